import { incidentHere } from './incident-here.ts';
import { say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function ack(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'ack');
  ctx.services.incidents.acknowledge(incident.id, ctx.userId);
  ctx.log.info({ event: 'incident.acknowledged', incident_id: incident.id }, 'incident acknowledged');
  const synced = incident.source === 'pagerduty' ? ' PagerDuty will be updated too.' : '';
  return { text: say`Acknowledged incident #${incident.id}.${synced}` };
}
