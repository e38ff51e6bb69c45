import { ErrorCode, UserError } from '../lib/errors.ts';
import { incidentHere } from './incident-here.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function postmortem(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'postmortem');
  const args = ctx.args.trim();
  if (args && args !== '--force') throw new UserError(ErrorCode.BadArgument, 'Use `/incident postmortem`, or `/incident postmortem --force` to replace a report edited by hand.');
  ctx.services.incidents.requestPostmortem(incident.id, await ctx.ports.actor(), args === '--force');
  return { text: `Drafting the report for incident #${incident.id}; its link will be posted here.` };
}
