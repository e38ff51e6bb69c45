import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from '../lib/logger.ts';
import type { SlackEdgeDeps } from './register-commands.ts';

/** Who pressed a button where, a logger that says so, and a way to answer only them. */
export interface ButtonPress {
  channel: string;
  user: string;
  log: Logger;
  /** An ephemeral answer to the presser; a failure to answer is logged, never thrown. */
  tell(text: string): Promise<unknown>;
}

export function buttonPress(
  deps: Pick<SlackEdgeDeps, 'client' | 'log'>,
  body: BlockAction<ButtonAction>,
  actionId: string,
): ButtonPress {
  const channel = body.channel?.id ?? '';
  const user = body.user.id;
  const log = deps.log.child({
    source: 'slack',
    request_id: body.trigger_id,
    user_id: user,
    channel_id: channel,
    action: actionId,
  });
  const tell = (text: string) =>
    deps.client.chat
      .postEphemeral({ channel, user, text })
      .catch((error: unknown) => log.warn({ err: error }, 'could not answer a button'));
  return { channel, user, log, tell };
}
