import { DESCRIPTION_MAX } from '../incidents/types.ts';
import { ErrorCode } from '../lib/errors.ts';
import { stripControl } from './parse.ts';
import { ReplyError, say } from './reply.ts';
import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function resolve(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'resolve');
  // On an incident already on the status page the note is published too: it names nobody.
  const args = incident.publicAt === null ? ctx.args : ctx.text.withoutMentions(ctx.args);
  const note = stripControl(ctx.text.plain(args)).trim() || null;
  if (note && note.length > DESCRIPTION_MAX) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`A resolve note has at most ${DESCRIPTION_MAX.toLocaleString('en')} characters; this one has ${note.length.toLocaleString('en')}.`,
    );
  }
  ctx.services.incidents.resolve(incident.id, await ctx.ports.actor(), note);
  ctx.log.info({ event: 'incident.resolved', incident_id: incident.id }, 'incident resolved');
  const synced = incident.source === 'pagerduty' ? ' PagerDuty will be resolved too.' : '';
  return { text: say`Resolved incident #${incident.id}.${synced}` };
}
