import { ErrorCode, UserError } from '../lib/errors.ts';
import { SEVERITIES } from '../incidents/types.ts';
import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function sev(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'sev');
  const match = /^(?:sev-?)?([1-4])$/i.exec(ctx.args.trim());
  if (!match) throw new UserError(ErrorCode.BadArgument, 'Give a severity from 1 (worst) to 4: `/incident sev 1`.');
  const severity = SEVERITIES[Number(match[1]) - 1]!;
  ctx.services.incidents.setSeverity(incident.id, severity, await ctx.ports.actor());
  return { text: `Incident #${incident.id} is now ${severity.toUpperCase()}.` };
}
