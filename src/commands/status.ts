import { escapeMrkdwn, mention } from '../slack/mrkdwn.ts';
import { formatDuration } from '../slack/durations.ts';
import { severityLabel, statusLabel } from '../incidents/labels.ts';
import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function status(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'status');
  const { incidents } = ctx.services;
  const roles = incidents.roles(incident.id);
  const holder = (role: string) => {
    const r = roles.find((x) => x.role === role);
    return r ? mention(r.userId) : '_nobody_';
  };
  const last = incidents.updates(incident.id)[0];
  const lastUpdate = last ? `${formatDuration(ctx.now - last.at)} ago (${last.status}): ${escapeMrkdwn(last.body.slice(0, 200))}` : '_none yet_';
  const due =
    incident.status === 'resolved' || incident.updateDueAt === null
      ? '—'
      : incident.updateDueAt <= ctx.now
        ? `*overdue by ${formatDuration(ctx.now - incident.updateDueAt)}*`
        : `in ${formatDuration(incident.updateDueAt - ctx.now)}`;
  return {
    text: [
      `*#${incident.id} ${escapeMrkdwn(incident.title)}*`,
      `${statusLabel(incident)} · ${severityLabel(incident)} · open for ${formatDuration((incident.resolvedAt ?? ctx.now) - incident.declaredAt)}`,
      `Commander: ${holder('commander')} · Comms lead: ${holder('comms')}`,
      `Last update: ${lastUpdate}`,
      `Next update due: ${due}`,
    ].join('\n'),
  };
}
