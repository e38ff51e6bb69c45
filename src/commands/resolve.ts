import { DESCRIPTION_MAX } from '../incidents/types.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import { incidentHere } from './incident-here.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function resolve(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'resolve');
  // On an incident already on the status page the note is published too: it names nobody.
  const args = incident.publicAt === null ? ctx.args : withoutSlackMentions(ctx.args);
  const note = stripControl(fromSlackText(args)).trim() || null;
  if (note && note.length > DESCRIPTION_MAX) {
    throw new UserError(ErrorCode.BadArgument, `A resolve note has at most ${DESCRIPTION_MAX.toLocaleString('en')} characters; this one has ${note.length.toLocaleString('en')}.`);
  }
  ctx.services.incidents.resolve(incident.id, await ctx.ports.actor(), note);
  ctx.log.info({ incident_id: incident.id }, 'incident resolved');
  const synced = incident.source === 'pagerduty' ? ' PagerDuty will be resolved too.' : '';
  return { text: `Resolved incident #${incident.id}.${synced}` };
}
