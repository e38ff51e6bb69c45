import { incidentHere } from './incident-here.ts';
import { stripControl } from './parse.ts';
import { say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export function followup(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'followup');
  // A trailing mention names the owner: `/incident followup Alert on cert expiry @bob`.
  const { text, user } = ctx.text.splitTrailingMention(ctx.args);
  ctx.services.incidents.addFollowup(incident.id, stripControl(ctx.text.plain(text)), user, ctx.userId);
  return {
    text: say`Added a follow-up to incident #${incident.id}; it becomes a GitHub issue when the report is published.`,
  };
}
