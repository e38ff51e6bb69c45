import type { IncomingHttpHeaders } from 'node:http';
import { isValidSlackRequest, type BufferedIncomingMessage, type HTTPReceiver } from '@slack/bolt';
import { BodyTooLargeError, readBody } from '../http/read-body.ts';
import type { Route } from '../http/server.ts';
import type { SeenRequestRepository } from '../inbox/seen-requests.ts';
import type { Logger } from '../lib/logger.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import { SLACK_BODY_LIMIT } from './bolt-app.ts';
import { refuseUnrecorded, type TellPerson } from './storage-refusal.ts';

/** Slack's validity window for a signature: five minutes either side of now. */
export const SLACK_SIGNATURE_WINDOW_MS = 5 * 60_000;
const SOURCE = 'slack';

export interface SlackRequestGuardDeps {
  receiver: HTTPReceiver;
  signingSecret: string;
  seen: SeenRequestRepository;
  log: Logger;
  /** The wall clock Slack signs with (and Bolt checks staleness with). */
  clock?: () => number;
  /** Told when the replay check cannot be written (disk full): the request is then refused, not acted on. */
  storage?: StorageGuard;
  /** How a refused button press is answered. */
  tell?: TellPerson;
}

type Verdict = 'new' | 'replay' | 'future' | 'malformed' | 'unverified';

/**
 * The one spelling Slack sends. Bolt reads only the text between the first and second `=`, so
 * `v0=<hash>=x` passes its check too: a signature in any other spelling would be a second key in
 * the seen table for the same request, so it is refused rather than passed to Bolt.
 */
const CANONICAL_SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * What to do with a request, decided only once its signature is known to be Slack's: an
 * unverified request is refused (401) and never recorded, or anyone could fill the table. This is
 * the only signature check (the receiver's own is off): Bolt's `isValidSlackRequest` refuses
 * signatures older than the window but not ones from the future.
 */
function judge(headers: IncomingHttpHeaders, body: string, deps: SlackRequestGuardDeps, now: number): Verdict {
  const signature = headers['x-slack-signature'];
  const timestamp = Number(headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !Number.isSafeInteger(timestamp)) return 'unverified';
  if (!CANONICAL_SIGNATURE.test(signature)) return 'malformed';
  const valid = isValidSlackRequest({
    signingSecret: deps.signingSecret,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds: now,
  });
  if (!valid) return 'unverified';
  const signedAt = timestamp * 1000;
  if (signedAt > now + SLACK_SIGNATURE_WINDOW_MS) return 'future';
  return deps.seen.firstSeen(SOURCE, signature, signedAt) ? 'new' : 'replay';
}

/**
 * `POST /slack/events`: Bolt's receiver behind the signature check and a replay check. Slack signs
 * every delivery anew (a retry carries a fresh timestamp, so a fresh signature, plus
 * `x-slack-retry-num`; events are then deduplicated by event id), so the same signature twice is
 * a copy of one request: it is acknowledged with 200, so that nothing retries it, and not acted on
 * again. Seen signatures are kept in the database, so a restart does not reopen the window.
 */
export function slackEventsRoute(deps: SlackRequestGuardDeps): Route {
  const log = deps.log.child({ source: 'slack' });
  const clock = deps.clock ?? Date.now;
  return {
    method: 'POST',
    path: '/slack/events',
    async handle(req, res) {
      let raw: Buffer;
      try {
        raw = await readBody(req, SLACK_BODY_LIMIT);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        log.warn({ event: 'slack.refused', reason: error.message }, 'Slack request refused: too large');
        return void res.writeHead(413, { connection: 'close' }).end();
      }
      // Bolt reads a request's `rawBody` when it is already buffered, instead of the spent stream.
      (req as BufferedIncomingMessage).rawBody = raw;
      let verdict: Verdict;
      try {
        verdict = judge(req.headers, raw.toString(), deps, clock());
      } catch (error) {
        // Unrecorded means unchecked for replays: refused (the person is told why), never let through.
        const unavailable = deps.storage?.failure(error);
        if (!unavailable) throw error;
        log.warn('Slack request refused: the database cannot record it');
        return refuseUnrecorded(res, raw.toString(), unavailable, deps.tell);
      }
      const retry = req.headers['x-slack-retry-num'];
      if (verdict === 'unverified') {
        log.warn({ event: 'slack.refused' }, 'Slack request refused: missing, stale or wrong signature');
        return void res.writeHead(401).end();
      }
      if (verdict === 'future') {
        log.warn(
          { event: 'slack.refused', timestamp: req.headers['x-slack-request-timestamp'] },
          'Slack request refused: its timestamp is more than 5 minutes in the future',
        );
        return void res.writeHead(401).end();
      }
      if (verdict === 'malformed') {
        log.warn(
          { event: 'slack.refused' },
          'Slack request refused: its signature is not spelled as Slack spells it (v0=<64 hex digits>)',
        );
        return void res.writeHead(401).end();
      }
      if (verdict === 'replay') {
        log.info(
          { event: 'slack.replay', retry_num: retry },
          'Slack request seen before (same signature): acknowledged, not acted on again',
        );
        return void res.writeHead(200).end();
      }
      deps.receiver.requestListener(req, res);
    },
  };
}
