import type { webApi } from '@slack/bolt';
import { GitHubError, classifyGitHubFailure } from '../postmortem/github-error.ts';
import { PR_REMINDER_EFFECT, type PrReminderPayload } from '../postmortem/pr-reminders.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import type { OutboxRow } from '../outbox/types.ts';
import { effectMetadata, postedBefore } from './posted-before.ts';
import { classifySlackError, slackErrorName } from './classify-error.ts';
import { escapeMrkdwn, mention } from './mrkdwn.ts';

/** A link's URL inside `<url|label>`: the characters that would end or split it are escaped. */
const linkUrl = (url: string) =>
  url.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '%7C');

/** The reminder as mrkdwn: the pull request's link (our stored URL, escaped) and the commander's mention. */
export function prReminderText(p: PrReminderPayload): string {
  const label = `#${p.prNumber}`;
  const pr = p.prUrl ? `<${linkUrl(p.prUrl)}|${escapeMrkdwn(label)}>` : escapeMrkdwn(label);
  const who = p.commander ? `${mention(p.commander)} ` : '';
  const days = p.days === 1 ? '1 day' : `${p.days} days`;
  return (
    `:memo: ${who}The postmortem pull request ${pr} has been open ${days}; ` +
    'please review and merge it, or close it if it is not needed.'
  );
}

/**
 * Reminds the commander of a report pull request still open: GitHub is asked first (fresh, through the
 * outbox's client), and a merged or closed one posts nothing. After an uncertain attempt the channel is
 * looked at for that attempt's message first, so a retry never posts twice.
 */
export function prReminderHandlers(deps: {
  client: webApi.WebClient;
  /** Whether the pull request is still open, as GitHub says now; null when GitHub cannot be asked. */
  pullRequestOpen: (p: PrReminderPayload) => Promise<boolean | null>;
}): Record<string, EffectHandler> {
  const { client } = deps;
  const alreadyPosted = (row: OutboxRow, channel: string) => postedBefore(client, row, channel);
  return {
    [PR_REMINDER_EFFECT]: {
      lane: 'slack:chat.postMessage',
      // GitHub's answer is classified as GitHub's (a rate limit waits), the rest as Slack's.
      classify: (error) => (error instanceof GitHubError ? classifyGitHubFailure(error) : classifySlackError(error)),
      async deliver(row, log) {
        const p = row.payload as PrReminderPayload;
        const earlier = row.uncertain ? await alreadyPosted(row, p.channel).catch(() => undefined) : undefined;
        if (earlier) return { result: { ts: earlier } };
        const open = await deps.pullRequestOpen(p);
        if (open !== true) return { result: { skipped: open === null ? 'no_github' : 'not_open' } };
        try {
          const res = await client.chat.postMessage({
            channel: p.channel,
            text: prReminderText(p),
            unfurl_links: false,
            unfurl_media: false,
            metadata: effectMetadata(row.idempotencyKey),
          });
          return { result: { ts: res.ts } };
        } catch (error) {
          // Archived (archive_after_minutes came first): there is nobody to remind there, and retrying
          // would not change that. Said in the log and on the row rather than left as a dead delivery.
          if (slackErrorName(error) !== 'is_archived') throw error;
          log.warn(
            { event: 'pr_reminder.channel_archived', incident_id: p.incidentId, pr: p.prNumber },
            'the incident channel is archived; the open report pull request reminder was not posted',
          );
          return { result: { skipped: 'channel_archived' } };
        }
      },
    },
  };
}
