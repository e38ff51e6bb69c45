import { TITLE_MAX } from '../incidents/types.ts';
import { incidentHere } from './incident-here.ts';
import { bounded, stripControl } from './parse.ts';
import { code, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** `/incident public-name [name]`: shows or sets what the status page calls the incident (no mentions, ever). */
export async function publicName(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'public-name');
  const name = stripControl(ctx.text.plain(ctx.text.withoutMentions(ctx.args)))
    .replace(/\s+/g, ' ')
    .trim();
  if (!name) {
    return {
      text: say`The status page calls incident #${incident.id} “${incident.publicTitle}”. Set it with ${code('/incident public-name <name>')}.`,
    };
  }
  bounded(name, TITLE_MAX, 'A public name');
  ctx.services.incidents.setPublicName(incident.id, name, await ctx.ports.actor());
  return { text: say`The status page now calls incident #${incident.id} “${name}”.` };
}
