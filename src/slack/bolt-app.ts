import { App, HTTPReceiver } from '@slack/bolt';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { boltLogger } from './bolt-logger.ts';

/** Slack never sends us more than this in one request; anything larger is refused before parsing. */
export const SLACK_BODY_LIMIT = 256 * 1024;

export interface BoltParts {
  app: App;
  /** Present in HTTP mode: the listener our HTTP server hands `/slack/events` to. */
  receiver?: HTTPReceiver;
}

export function createBoltApp(config: Config['slack'], log: Logger): BoltParts {
  const logger = boltLogger(log.child({ source: 'slack' }));
  const clientOptions = {
    slackApiUrl: config.apiUrl,
    // The outbox owns retries and Retry-After; the client must report a 429 instead of sleeping on it.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
  if (config.appToken) {
    const app = new App({ token: config.botToken, appToken: config.appToken, socketMode: true, logger, clientOptions });
    return { app };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: ['/slack/events'],
    logger,
    bodyLimit: SLACK_BODY_LIMIT,
  });
  const app = new App({ token: config.botToken, receiver, logger, clientOptions });
  return { app, receiver };
}
