import { escapeMrkdwn, truncate } from '../slack/mrkdwn.ts';
import { formatDuration } from '../slack/durations.ts';
import { severityLabel, statusLabel } from '../incidents/labels.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** At most this many lines, so the reply stays within one Slack message. */
const MAX_LISTED = 30;

export function list(ctx: CommandContext): CommandReply {
  const open = ctx.services.incidents.listOpen();
  if (open.length === 0) return { text: 'No open incidents. :tada:' };
  const lines = open.slice(0, MAX_LISTED).map(
    (i) =>
      `• *#${i.id}* ${severityLabel(i)} ${escapeMrkdwn(truncate(i.title, 80))} — ${i.channelId ? `<#${i.channelId}>` : '_channel opening_'} — ${statusLabel(i).toLowerCase()}, ${formatDuration(ctx.now - i.declaredAt)}`,
  );
  if (open.length > MAX_LISTED) lines.push(`…and ${open.length - MAX_LISTED} more.`);
  return { text: [`*${open.length} open ${open.length === 1 ? 'incident' : 'incidents'}*`, ...lines].join('\n') };
}
