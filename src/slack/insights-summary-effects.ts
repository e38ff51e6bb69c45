import type { webApi } from '@slack/bolt';
import { MONTHLY_SUMMARY_EFFECT, type MonthlySummaryPayload as Summary } from '../insights/monthly-summary.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import type { OutboxRow } from '../outbox/types.ts';
import { formatDuration } from '../text/durations.ts';
import { effectMetadata, postedBefore } from './posted-before.ts';
import { classifySlackError } from './classify-error.ts';
import { escapeMrkdwn } from './mrkdwn.ts';

const dur = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));

/** The summary as mrkdwn lines (numbers and our own link only; the label is escaped all the same). */
export function monthlySummaryText(s: Summary): string {
  const url = s.link.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '%7C');
  return [
    `:bar_chart: *Incidents in ${escapeMrkdwn(s.label)}*`,
    `• *Incidents*: ${s.incidents}, ${s.resolved} resolved`,
    `• *Time to acknowledge*: median ${dur(s.acknowledgeMedian)}, p90 ${dur(s.acknowledgeP90)}`,
    `• *Time to resolve*: median ${dur(s.resolveMedian)}, p90 ${dur(s.resolveP90)}`,
    `• *Pages*: ${s.pages}, ${s.pagesOutOfHours} out of hours`,
    `• *Follow-ups*: ${s.followupsOpened} opened, ${s.followupsClosed} closed`,
    `<${url}|Open the insights page> (the link lasts 24 hours; \`/incident stats\` gives a new one)`,
  ].join('\n');
}

/** Posts the monthly summary once: after an uncertain attempt it looks for that attempt's message first. */
export function insightsSummaryHandlers(deps: { client: webApi.WebClient }): Record<string, EffectHandler> {
  const { client } = deps;
  const alreadyPosted = (row: OutboxRow, channel: string) => postedBefore(client, row, channel);
  const post = async (row: OutboxRow, summary: Summary) => {
    const res = await client.chat.postMessage({
      channel: summary.channel,
      text: monthlySummaryText(summary),
      unfurl_links: false,
      unfurl_media: false,
      metadata: effectMetadata(row.idempotencyKey),
    });
    return res.ts!;
  };
  return {
    [MONTHLY_SUMMARY_EFFECT]: {
      lane: 'slack:chat.postMessage',
      classify: classifySlackError,
      async deliver(row) {
        const summary = row.payload as Summary;
        const earlier = row.uncertain ? await alreadyPosted(row, summary.channel).catch(() => undefined) : undefined;
        if (earlier) return { result: { ts: earlier } };
        // Not in the channel: classified as Slack says (dead when not_in_channel; `outbox retry` after inviting the bot).
        return { result: { ts: await post(row, summary) } };
      },
    },
  };
}
