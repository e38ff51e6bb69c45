import { severityLabel, statusLabel } from '../incidents/labels.ts';
import { formatDuration } from '../text/durations.ts';
import { truncate } from '../text/truncate.ts';
import { bold, channel, emoji, italic, join, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** At most this many lines, so the reply stays within one chat message. */
const MAX_LISTED = 30;

export async function list(ctx: CommandContext): Promise<CommandReply> {
  // A private incident is listed only to its people (the domain decides who they are).
  const open = ctx.services.incidents.listOpenFor(await ctx.ports.actor(), ctx.channelId);
  if (open.length === 0) return { text: say`No open incidents. ${emoji('tada')}` };
  const lines = open.slice(0, MAX_LISTED).map((i) => {
    const where = i.channelId ? channel(i.channelId) : italic('channel opening');
    const age = formatDuration(ctx.now - i.declaredAt);
    const lock = i.private ? say`${emoji('lock')} ` : '';
    return say`• ${lock}${bold(`#${i.id}`)} ${severityLabel(i)} ${truncate(i.title, 80)} — ${where} — ${statusLabel(i).toLowerCase()}, ${age}`;
  });
  if (open.length > MAX_LISTED) lines.push(say`…and ${open.length - MAX_LISTED} more.`);
  return {
    text: join([say`${bold(`${open.length} open ${open.length === 1 ? 'incident' : 'incidents'}`)}`, ...lines]),
  };
}
