import { incidentHere } from './incident-here.ts';
import { say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function reopen(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'reopen');
  ctx.services.incidents.reopen(incident.id, await ctx.ports.actor());
  return { text: say`Reopened incident #${incident.id}; its channel will not be archived.` };
}
