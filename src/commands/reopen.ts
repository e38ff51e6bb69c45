import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function reopen(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'reopen');
  ctx.services.incidents.reopen(incident.id, ctx.userId);
  return { text: `Reopened incident #${incident.id}; its channel will not be archived.` };
}
