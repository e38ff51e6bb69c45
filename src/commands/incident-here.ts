import { ErrorCode } from '../lib/errors.ts';
import type { Incident } from '../incidents/types.ts';
import { code, ReplyError, say } from './reply.ts';
import type { CommandContext } from './types.ts';

/** The incident whose channel the command was run in; verbs that act on an incident need one. */
export function incidentHere(ctx: CommandContext, verb: string): Incident {
  const incident = ctx.services.incidents.byChannel(ctx.channelId);
  if (!incident) {
    throw new ReplyError(
      ErrorCode.NotInIncidentChannel,
      say`${code(`/incident ${verb}`)} works inside an incident's channel. Run it there (${code('/incident list')} shows the open ones).`,
    );
  }
  return incident;
}
