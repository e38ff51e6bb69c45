import type { AnnouncementLine } from '../incidents/announcements.ts';
import { atLeast } from '../incidents/announcements.ts';
import { severityWord, statusWord } from '../incidents/labels.ts';
import type { Incident, RoleAssignment } from '../incidents/types.ts';
import { isUserId } from '../lib/slack-ids.ts';
import { formatDuration } from '../text/durations.ts';
import { incidentFactBlocks, incidentFallbackText } from './incident-facts.ts';
import { escapeMrkdwn as e, mention, slackDate } from './mrkdwn.ts';
import { safeUrl } from './summary-message.ts';

/** A chat user is mentioned; a name from elsewhere (a paging system's) is shown as text. */
const actor = (by: string | null) => (by === null ? '' : ` by ${isUserId(by) ? mention(by) : `*${e(by)}*`}`);

/** How long it has been open, or how long it took. */
function age(incident: Incident, now: number): string {
  if (incident.status === 'resolved' && incident.resolvedAt !== null)
    return `Resolved after ${formatDuration(incident.resolvedAt - incident.declaredAt)}`;
  return `Open for ${formatDuration(now - incident.declaredAt)}`;
}

/**
 * The incident's summary where incidents are announced, for people outside its room: what, how bad,
 * where it stands, who runs it and where to follow it. Redrawn from the incident at each change.
 */
export function announcementMessage(
  incident: Incident,
  roles: RoleAssignment[],
  reportUrl: string | null,
  now: number,
): { text: string; blocks: Record<string, unknown>[] } {
  const room = incident.channelId ? `<#${incident.channelId}>` : '_its channel is being opened_';
  const report = safeUrl(reportUrl);
  const blocks = incidentFactBlocks(incident, roles, [
    { type: 'mrkdwn', text: `*Channel*\n${room}` },
    { type: 'mrkdwn', text: `*Age*\n${age(incident, now)}` },
  ]);
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text:
          `Incident #${incident.id} · declared ${slackDate(incident.declaredAt)}` +
          (report ? ` · <${report}|post-incident report>` : ''),
      },
    ],
  });
  return { text: incidentFallbackText(incident), blocks };
}

type Renderers = { [T in AnnouncementLine['type']]: (l: Extract<AnnouncementLine, { type: T }>) => string };

/** How each line of the thread reads. Values come back from an outbox payload: each is escaped. */
const LINE: Renderers = {
  severity: (l) => {
    const raised = atLeast(l.to, l.from);
    return (
      `${raised ? ':chart_with_upwards_trend:' : ':chart_with_downwards_trend:'} Severity ` +
      `${raised ? 'raised' : 'lowered'} ${e(severityWord(l.from))} → *${e(severityWord(l.to))}*${actor(l.by)}`
    );
  },
  status: (l) => `:mag: Status ${e(statusWord(l.from))} → *${e(statusWord(l.to))}*${actor(l.by)}`,
  resolved: (l) => `:white_check_mark: Resolved after ${formatDuration(l.durationMs)}${actor(l.by)}`,
  reopened: (l) => `:arrows_counterclockwise: Reopened${actor(l.by)}`,
  report: (l) => {
    const url = safeUrl(l.url);
    return url
      ? `:memo: Post-incident report: <${url}|the pull request>`
      : ':memo: The post-incident report is drafted.';
  },
};

export const announcementLineText = (line: AnnouncementLine): string =>
  (LINE[line.type] as (l: AnnouncementLine) => string)(line);
