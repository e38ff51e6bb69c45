import { incidentHere } from './incident-here.ts';
import { stripControl } from './parse.ts';
import { say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function note(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'note');
  ctx.services.incidents.addNote(incident.id, stripControl(ctx.text.plain(ctx.args)), ctx.userId);
  return { text: say`Noted in the timeline of incident #${incident.id}.` };
}
