import type { webApi } from '@slack/bolt';

export interface BotIdentity {
  botUserId: string;
  botId: string;
}

/**
 * Who the bot is (auth.test), asked when first needed and remembered only once Slack answered.
 * Bolt's own eager auth.test keeps a rejected promise forever when Slack is unreachable at start
 * (and nobody awaits it, so the process dies of an unhandled rejection); here a failed lookup is
 * simply asked again on the next request.
 */
export function botIdentity(client: webApi.WebClient, token: string): () => Promise<BotIdentity> {
  let known: Promise<BotIdentity> | undefined;
  return () =>
    (known ??= client.auth.test({ token }).then(
      (r) => ({ botUserId: String(r.user_id), botId: String(r.bot_id) }),
      (error: unknown) => {
        known = undefined;
        throw error;
      },
    ));
}
