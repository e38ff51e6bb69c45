import { incidentHere } from './incident-here.ts';
import { parseStatus, parseUpdateFlags, splitVerb, stripControl, words } from './parse.ts';
import { bold, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function update(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'update');
  // A public update names nobody: mentions are removed before the markup is decoded into `@name`.
  // Resolving an incident already on the status page publishes the message as well.
  const resolvesPublic = incident.publicAt !== null && splitVerb(ctx.args).verb === 'resolved';
  const raw = words(ctx.args).includes('--public') || resolvesPublic ? ctx.text.withoutMentions(ctx.args) : ctx.args;
  const text = stripControl(ctx.text.plain(raw)).trim();
  if (!text) {
    await ctx.ports.openForm({ kind: 'update', incident });
    return { text: [] };
  }
  const [first = ''] = text.split(/\s+/);
  const status = parseStatus(first);
  const flags = parseUpdateFlags(text.slice(first.length));
  ctx.services.incidents.postUpdate(incident.id, status, flags.message, await ctx.ports.actor(), {
    public: flags.public,
    confirmPrivate: flags.confirmPrivate,
    components: flags.components,
  });
  return {
    text: flags.public
      ? say`Published a ${bold(status)} update for incident #${incident.id}: it is on the status page now.`
      : say`Posted a ${bold(status)} update to incident #${incident.id}.`,
  };
}
