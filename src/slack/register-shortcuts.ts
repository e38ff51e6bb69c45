import type { SlackViewAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { z } from 'zod';
import type { QuotedMessage } from '../commands/types.ts';
import { ErrorCode, UserError, isUserError } from '../lib/errors.ts';
import { actorPort, bugReply, formOpener, type SlackEdgeDeps } from './register-commands.ts';
import { userErrorText } from './render-reply.ts';
import { VIEW, metadata, pickIncidentModal, viewValues } from './views.ts';

/** Callback ids of the shortcuts, as slack-app-manifest.yaml names them. */
export const SHORTCUT = {
  declare: 'declare_incident',
  declareFromMessage: 'declare_from_message',
  addToTimeline: 'add_to_timeline',
} as const;

const id = z.string().min(1).max(32);
const messageAction = z.object({
  trigger_id: z.string().max(200),
  user: z.object({ id }),
  channel: z.object({ id }),
  message: z.object({
    ts: z.string().max(32),
    text: z.string().max(40_000).default(''),
    user: id.optional(),
    bot_id: id.optional(),
  }),
});
const quoteOf = (m: z.infer<typeof messageAction>): QuotedMessage => ({
  room: m.channel.id,
  ts: m.message.ts,
  author: m.message.user ?? m.message.bot_id ?? null,
  text: m.message.text,
});
const storedQuote = z.object({ room: id, ts: z.string().max(32), author: id.nullable(), text: z.string().max(3000) });

/**
 * The shortcuts: "Declare incident" (anywhere), and on any message "Declare incident from this
 * message" (the form prefilled with it quoted) and "Add to incident timeline" (at once inside an
 * incident's channel, else after picking the incident). What may be done is decided by the domain.
 */
export function registerShortcuts(app: SlackListeners, deps: SlackEdgeDeps): void {
  const log = deps.log.child({ source: 'slack' });

  app.shortcut(SHORTCUT.declare, async ({ ack, shortcut }) => {
    await ack();
    await formOpener(deps, shortcut.trigger_id)({ kind: 'declare', channelId: '' });
  });

  app.shortcut(SHORTCUT.declareFromMessage, async ({ ack, shortcut }) => {
    await ack();
    const m = messageAction.parse(shortcut);
    await formOpener(deps, m.trigger_id)({ kind: 'declare', channelId: m.channel.id, quote: quoteOf(m) });
  });

  app.shortcut(SHORTCUT.addToTimeline, async ({ ack, shortcut }) => {
    await ack();
    const m = messageAction.parse(shortcut);
    const actor = await actorPort(deps, m.user.id)();
    const here = deps.services.incidents.byChannel(m.channel.id);
    if (!here) {
      const open = deps.services.incidents.listOpenFor(actor);
      await deps.client.views.open({ trigger_id: m.trigger_id, view: pickIncidentModal(open, quoteOf(m)) as never });
      return;
    }
    const tell = (text: string) => deps.client.chat.postEphemeral({ channel: m.channel.id, user: m.user.id, text });
    try {
      deps.services.incidents.addMessage(here.id, { kind: 'added', ...quoteOf(m) }, actor, m.channel.id);
      await tell(`Added the message to the timeline of incident #${here.id}.`);
    } catch (error) {
      if (!isUserError(error)) {
        log.error({ err: error, user_id: m.user.id }, 'add to timeline failed');
        return void (await tell(bugReply(m.trigger_id)));
      }
      await tell(userErrorText(error));
    }
  });

  app.view<SlackViewAction>(VIEW.pick, async ({ ack, body, view }) => {
    try {
      const quote = storedQuote.safeParse(metadata(view.private_metadata));
      if (!quote.success)
        throw new UserError(ErrorCode.BadArgument, 'This form is out of date; choose the shortcut again.');
      const incidentId = Number(viewValues(view.state).choice('incident'));
      const actor = await actorPort(deps, body.user.id)();
      deps.services.incidents.addMessage(incidentId, { kind: 'added', ...quote.data }, actor);
      await ack();
    } catch (error) {
      if (!isUserError(error)) throw error;
      await ack({ response_action: 'errors', errors: { incident: error.message.slice(0, 150) } });
    }
  });
}

/** The message an incident was declared from, if the declare form carried one. */
export function quoteFromForm(privateMetadata: string): QuotedMessage | undefined {
  const quote = storedQuote.safeParse(metadata(privateMetadata).quote);
  return quote.success ? quote.data : undefined;
}
