import { incidentHere } from './incident-here.ts';
import { code, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function mitigate(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'mitigate');
  ctx.services.incidents.mitigate(incident.id, ctx.userId);
  return {
    text: say`Incident #${incident.id} is mitigated and now monitoring. ${code('/incident resolve')} when it holds.`,
  };
}
