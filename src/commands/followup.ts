import { incidentHere } from './incident-here.ts';
import { splitTrailingMention } from './parse.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';


export function followup(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'followup');
  // A trailing `<@U…>` names the owner: `/incident followup Alert on cert expiry @bob`.
  const { text, user } = splitTrailingMention(ctx.args);
  ctx.services.incidents.addFollowup(incident.id, stripControl(fromSlackText(text)), user, ctx.userId);
  return { text: `Added a follow-up to incident #${incident.id}; it becomes a GitHub issue when the report is published.` };
}
