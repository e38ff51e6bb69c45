import { TITLE_MAX } from '../incidents/types.ts';
import { escapeMrkdwn } from '../slack/mrkdwn.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { incidentHere } from './incident-here.ts';
import { bounded } from './parse.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** `/incident public-name [name]`: shows or sets what the status page calls the incident (no mentions, ever). */
export async function publicName(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'public-name');
  const name = stripControl(fromSlackText(withoutSlackMentions(ctx.args))).replace(/\s+/g, ' ').trim();
  if (!name) {
    return { text: `The status page calls incident #${incident.id} “${escapeMrkdwn(incident.publicTitle)}”. Set it with \`/incident public-name <name>\`.` };
  }
  bounded(name, TITLE_MAX, 'A public name');
  ctx.services.incidents.setPublicName(incident.id, name, await ctx.ports.actor());
  return { text: `The status page now calls incident #${incident.id} “${escapeMrkdwn(name)}”.` };
}
