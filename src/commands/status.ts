import { severityLabel, statusLabel } from '../incidents/labels.ts';
import { formatDuration } from '../text/durations.ts';
import { incidentHere } from './incident-here.ts';
import { bold, italic, join, say, user } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function status(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'status');
  const { incidents } = ctx.services;
  const roles = incidents.roles(incident.id);
  const holder = (role: string) => {
    const r = roles.find((x) => x.role === role);
    return r ? user(r.userId) : italic('nobody');
  };
  const last = incidents.latestUpdate(incident.id);
  const lastUpdate = last
    ? say`${formatDuration(ctx.now - last.at)} ago (${last.status}): ${last.body.slice(0, 200)}`
    : [italic('none yet')];
  const due =
    incident.status === 'resolved' || incident.updateDueAt === null
      ? '—'
      : incident.updateDueAt <= ctx.now
        ? bold(`overdue by ${formatDuration(ctx.now - incident.updateDueAt)}`)
        : `in ${formatDuration(incident.updateDueAt - ctx.now)}`;
  const age = formatDuration((incident.resolvedAt ?? ctx.now) - incident.declaredAt);
  return {
    text: join([
      [bold(`#${incident.id} ${incident.title}`)],
      say`${statusLabel(incident)} · ${severityLabel(incident)} · open for ${age}`,
      say`Commander: ${holder('commander')} · Comms lead: ${holder('comms')}`,
      say`Last update: ${lastUpdate}`,
      say`Next update due: ${due}`,
    ]),
  };
}
