import { incidentHere } from './incident-here.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** A trailing `<@U…>` names the owner: `/incident followup Alert on cert expiry @bob`. */
const TRAILING_MENTION = /\s*<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s*$/;

export function followup(ctx: CommandContext): CommandReply {
  const incident = incidentHere(ctx, 'followup');
  const mention = TRAILING_MENTION.exec(ctx.args);
  const text = mention ? ctx.args.slice(0, mention.index) : ctx.args;
  ctx.services.incidents.addFollowup(incident.id, stripControl(fromSlackText(text)), mention?.[1] ?? null, ctx.userId);
  return { text: `Added a follow-up to incident #${incident.id}; it becomes a GitHub issue when the report is published.` };
}
