import { App, HTTPReceiver, SocketModeReceiver, webApi, type Authorize } from '@slack/bolt';
import type { Config } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';
import { boltLogger } from './bolt-logger.ts';
import { botIdentity, type BotIdentity } from './bot-identity.ts';
import { PacedWebClient } from './paced-client.ts';
import { SlackPacer } from './rate-pacer.ts';

/** Slack never sends us more than this in one request; anything larger is refused before parsing. */
export const SLACK_BODY_LIMIT = 256 * 1024;

export interface BoltParts {
  app: App;
  /** Present in HTTP mode: the listener our HTTP server hands `/slack/events` to. */
  receiver?: HTTPReceiver;
  /** The bot token's client, for effects and replies (Bolt's own `app.client` has no token here). */
  client: webApi.WebClient;
  /** Who the bot is (auth.test, remembered once answered). */
  identity: () => Promise<BotIdentity>;
}

/** Socket Mode tuning; tests shorten the ping timeout, which also paces reconnection. */
export interface SocketModeOptions {
  clientPingTimeoutMs?: number;
}

export function createBoltApp(
  config: Config['slack'],
  log: Logger,
  timeoutMs = 10_000,
  socket: SocketModeOptions = {},
  pacer: SlackPacer = new SlackPacer(),
): BoltParts {
  const logger = boltLogger(log.child({ source: 'slack' }));
  const clientOptions = {
    slackApiUrl: config.apiUrl,
    // The outbox owns retries and Retry-After; the client must report a 429 instead of sleeping on it.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
  };
  const client = new PacedWebClient(config.botToken, { ...clientOptions, logger }, pacer);
  const identity = botIdentity(client, config.botToken);
  // Ask early so the first command is fast; if Slack is unreachable now, the first request asks again.
  identity().catch((error: unknown) =>
    log.warn(
      { event: 'slack.auth_failed', source: 'slack', err: error },
      'auth.test failed at start; will ask again on the first Slack request',
    ),
  );
  const authorize: Authorize<boolean> = async () => ({ botToken: config.botToken, ...(await identity()) });
  if (config.appToken) {
    // Bolt's own receiver would open the connection at slack.com whatever SLACK_API_URL says: the
    // app-level token's client is given the same API URL as the bot token's.
    const socketReceiver = new SocketModeReceiver({
      appToken: config.appToken,
      logger,
      clientPingTimeout: socket.clientPingTimeoutMs,
      installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
      // The envelope id reaches the listeners' context, for the replay check (socket-replay.ts).
      customPropertiesExtractor: (args) => ({ envelopeId: (args as { envelope_id?: unknown }).envelope_id }),
    });
    const app = new App({ authorize, receiver: socketReceiver, logger, clientOptions, convoStore: false });
    return { app, client, identity };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: ['/slack/events'],
    logger,
    bodyLimit: SLACK_BODY_LIMIT,
    // Only slackEventsRoute (request-guard.ts) hands requests to this receiver, and it has already
    // refused every one whose signature is not Slack's, with the same check: Bolt checking again cost
    // every request a second HMAC.
    signatureVerification: false,
  });
  // No conversation store: the bot keeps its state in SQLite, and Bolt's in-memory store costs every
  // request a lookup and a thrown "Conversation not found" error.
  const app = new App({ authorize, receiver, logger, clientOptions, convoStore: false });
  return { app, receiver, client, identity };
}
