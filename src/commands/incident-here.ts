import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Incident } from '../incidents/types.ts';
import type { CommandContext } from './types.ts';

/** The incident whose channel the command was run in; verbs that act on an incident need one. */
export function incidentHere(ctx: CommandContext, verb: string): Incident {
  const incident = ctx.services.incidents.byChannel(ctx.channelId);
  if (!incident) {
    throw new UserError(
      ErrorCode.NotInIncidentChannel,
      `\`/incident ${verb}\` works inside an incident's channel. Run it there (\`/incident list\` shows the open ones).`,
    );
  }
  return incident;
}
