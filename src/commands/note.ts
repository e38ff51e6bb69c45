import { incidentHere } from './incident-here.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function note(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'note');
  ctx.services.incidents.addNote(incident.id, stripControl(fromSlackText(ctx.args)), ctx.userId);
  return { text: `Noted in the timeline of incident #${incident.id}.` };
}
