import { ErrorCode } from '../lib/errors.ts';
import type { Role } from '../incidents/types.ts';
import { ownValue } from '../lib/own-value.ts';
import { incidentHere } from './incident-here.ts';
import { parseMention, words } from './parse.ts';
import { code, ReplyError, say, user as mention } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

const ROLE_WORDS: Record<string, Role> = {
  commander: 'commander',
  ic: 'commander',
  lead: 'commander',
  comms: 'comms',
  communications: 'comms',
};

export async function role(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'role');
  const all = words(ctx.args);
  // `--both`: the commander confirms they will be comms lead too (refused without it).
  const both = all.includes('--both');
  const [roleWord, who, ...extra] = all.filter((w) => w !== '--both');
  const role = ownValue(ROLE_WORDS, roleWord?.toLowerCase());
  if (!role || extra.length > 0) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Say which role and who: ${code('/incident role commander @alice')} or ${code('/incident role comms @bob')}.`,
    );
  }
  const user = parseMention(who, `the new ${role === 'comms' ? 'comms lead' : 'commander'}`, ctx.text);
  ctx.services.incidents.handOff(incident.id, role, user, await ctx.ports.actor(), { both });
  return {
    text: say`${mention(user)} is now ${role === 'comms' ? 'comms lead' : 'commander'} of incident #${incident.id}.`,
  };
}
