import { incidentHere } from './incident-here.ts';
import { stripControl } from './parse.ts';
import { say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function impact(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'impact');
  ctx.services.incidents.setImpact(incident.id, stripControl(ctx.text.plain(ctx.args)), ctx.userId);
  return {
    text: say`Recorded who was affected by incident #${incident.id}; the report's "Who was affected?" uses it.`,
  };
}
