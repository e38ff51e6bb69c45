import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { buttonPress } from './button-press.ts';
import { COMMS_ACTION } from './comms-views.ts';
import { CONFIRMS, VALUE_MAX } from './confirm-blocks.ts';
import { actorPort, bugReply, refusalOf, type SlackEdgeDeps } from './register-commands.ts';
import { userErrorText } from './render-reply.ts';
import { runFromButton } from './run-from-button.ts';

/** The comms lead's buttons: taking the role offered at a change of shift, and confirming a refused hand-over. */
export function registerComms(app: SlackListeners, deps: SlackEdgeDeps): void {
  app.action<BlockAction<ButtonAction>>(COMMS_ACTION.accept, async ({ ack, body, action }) => {
    await ack();
    const { user, log, tell } = buttonPress(deps, body, COMMS_ACTION.accept);
    try {
      const incident = deps.services.incidents.acceptCommsOffer(Number(action.value), await actorPort(deps, user)());
      await tell(`You are comms lead of incident #${incident.id} now; your duties are pinned in this channel.`);
    } catch (error) {
      const refusal = refusalOf(deps, error);
      if (refusal) return void (await tell(userErrorText(refusal)));
      log.error({ err: error }, 'taking the comms role failed');
      await tell(bugReply(body.trigger_id));
    }
  });

  app.action<BlockAction<ButtonAction>>(COMMS_ACTION.confirm, async ({ ack, body, action }) => {
    await ack();
    const press = buttonPress(deps, body, COMMS_ACTION.confirm);
    const { tell } = press;
    // Only the commands a refusal offers to confirm: the value says which, and must carry its flag.
    const text = String(action.value ?? '').slice(0, VALUE_MAX);
    if (!/^role\s/i.test(text) || !Object.values(CONFIRMS).some((c) => text.endsWith(` ${c.flag}`)))
      return void (await tell('This button no longer does anything; run the command again.'));
    await runFromButton(deps, body, press, text);
  });
}
