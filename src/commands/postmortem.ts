import { ErrorCode } from '../lib/errors.ts';
import { incidentHere } from './incident-here.ts';
import { code, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function postmortem(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'postmortem');
  const args = ctx.args.trim();
  if (args && args !== '--force') {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Use ${code('/incident postmortem')}, or ${code('/incident postmortem --force')} to replace a report edited by hand.`,
    );
  }
  ctx.services.incidents.requestPostmortem(incident.id, await ctx.ports.actor(), args === '--force');
  return { text: say`Drafting the report for incident #${incident.id}; its link will be posted here.` };
}
