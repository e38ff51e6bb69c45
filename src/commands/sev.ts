import { ErrorCode } from '../lib/errors.ts';
import { SEVERITIES } from '../incidents/types.ts';
import { incidentHere } from './incident-here.ts';
import { code, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function sev(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'sev');
  const match = /^(?:sev-?)?([1-4])$/i.exec(ctx.args.trim());
  if (!match)
    throw new ReplyError(ErrorCode.BadArgument, say`Give a severity from 1 (worst) to 4: ${code('/incident sev 1')}.`);
  const severity = SEVERITIES[Number(match[1]) - 1]!;
  ctx.services.incidents.setSeverity(incident.id, severity, await ctx.ports.actor());
  return { text: say`Incident #${incident.id} is now ${severity.toUpperCase()}.` };
}
