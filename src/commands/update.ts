import { updateModal } from '../slack/views.ts';
import { incidentHere } from './incident-here.ts';
import { parseStatus } from './parse.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function update(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'update');
  const text = stripControl(fromSlackText(ctx.args)).trim();
  if (!text) {
    await ctx.ports.openModal(updateModal(incident));
    return { text: '' };
  }
  const [first = '', ...rest] = text.split(/\s+/);
  const status = parseStatus(first);
  ctx.services.incidents.postUpdate(incident.id, status, text.slice(first.length).trim() || rest.join(' '), ctx.userId);
  return { text: `Posted a *${status}* update to incident #${incident.id}.` };
}
