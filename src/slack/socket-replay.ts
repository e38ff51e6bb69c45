import type { Middleware, AnyMiddlewareArgs } from '@slack/bolt';
import type { SeenRequestRepository } from '../inbox/seen-requests.ts';
import type { Logger } from '../lib/logger.ts';

const SOURCE = 'slack-socket';
/** Slack's envelope ids are UUIDs; anything else is not recorded. */
const ENVELOPE_ID = /^[0-9A-Za-z-]{1,64}$/;

/**
 * Socket Mode's counterpart of the signed-request replay check: Slack sends an envelope again
 * (same `envelope_id`) when its acknowledgement did not arrive, for instance across a reconnect,
 * so an envelope seen before is acknowledged and not acted on again. Ids are kept as long as
 * signatures are (the retention job prunes both).
 */
export function socketReplayGuard(
  seen: SeenRequestRepository,
  log: Logger,
  clock: () => number = Date.now,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { context, next } = args;
    const envelopeId = context.envelopeId;
    if (typeof envelopeId !== 'string' || !ENVELOPE_ID.test(envelopeId)) return next();
    if (seen.firstSeen(SOURCE, envelopeId, clock())) return next();
    log.info(
      { source: 'slack', envelope_id: envelopeId, retry_num: context.retryNum },
      'Slack envelope seen before (same envelope id): acknowledged, not acted on again',
    );
    // Events are acknowledged by Bolt before any middleware; the rest are acknowledged here.
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
