import { incidentHere } from './incident-here.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function impact(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'impact');
  ctx.services.incidents.setImpact(incident.id, stripControl(fromSlackText(ctx.args)), ctx.userId);
  return { text: `Recorded who was affected by incident #${incident.id}; the report's "Who was affected?" uses it.` };
}
