import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function mitigate(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'mitigate');
  ctx.services.incidents.mitigate(incident.id, ctx.userId);
  return { text: `Incident #${incident.id} is mitigated and now monitoring. \`/incident resolve\` when it holds.` };
}
