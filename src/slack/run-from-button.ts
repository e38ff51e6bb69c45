import type { BlockAction, ButtonAction } from '@slack/bolt';
import { runCommand } from '../commands/index.ts';
import type { ButtonPress } from './button-press.ts';
import { slackCommandText } from './command-text.ts';
import { actorPort, bugReply, formOpener, refusalOf, type SlackEdgeDeps } from './register-commands.ts';
import { renderReply, userErrorText } from './render-reply.ts';

/**
 * Runs a command for the person who pressed a button and answers them ephemerally, so a click and the
 * typed command behave the same: a refusal (a user error, or the storage failing) is told as such; a bug
 * is logged and answered with the reference people can quote.
 */
export async function runFromButton(
  deps: SlackEdgeDeps,
  body: BlockAction<ButtonAction>,
  press: ButtonPress,
  text: string,
): Promise<void> {
  const { channel, user, log, tell } = press;
  try {
    const reply = await runCommand(text, {
      userId: user,
      channelId: channel,
      triggerId: body.trigger_id,
      text: slackCommandText,
      services: deps.services,
      ports: { openForm: formOpener(deps, body.trigger_id), actor: actorPort(deps, user) },
      log,
      now: deps.now(),
    });
    const answer = renderReply(reply.text);
    if (answer) await tell(answer);
  } catch (error) {
    const refusal = refusalOf(deps, error);
    if (refusal) return void (await tell(userErrorText(refusal)));
    log.error({ event: 'interaction.failed', err: error }, 'button failed');
    await tell(bugReply(body.trigger_id));
  }
}
