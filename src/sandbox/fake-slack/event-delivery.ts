import { slackSignatureHeaders } from '../sign-slack-request.ts';
import { eventCallbackBody } from '../slack-payloads.ts';
import type { FakeSocketMode } from './socket-mode.ts';
import type { SlackEvent } from './state.ts';

/** One event Slack sent the app: how, and (over HTTP) what the app answered to the last try. */
export interface SentEvent {
  event: SlackEvent;
  eventId: string;
  via: 'http' | 'socket';
  /**
   * HTTP status of the attempt that settled it (taken, or the last retry refused); 0 when the app could not be
   * reached; undefined while Slack may still retry, so a waiter never mistakes a refused first try for the end.
   */
  status?: number;
  attempts: number;
}

/** Slack retries an event the app did not take three times (after 1 s, 1 min, 5 min; sooner here). */
const RETRY_DELAYS_MS = [200, 1_000, 3_000];
const ATTEMPT_TIMEOUT_MS = 3_000;

/**
 * The Events API side of the fake Slack: events go over the Socket Mode link when the app uses one,
 * otherwise as a signed JSON POST to the app's Request URL, retried (with `x-slack-retry-num`) when
 * the app does not answer 2xx, as Slack does.
 */
export class EventDelivery {
  readonly sent: SentEvent[] = [];
  /** The app's Request URL and the signing secret Slack signs with (HTTP mode); nothing is sent without it. */
  requestUrl?: { url: string; signingSecret: string };
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly socketMode: FakeSocketMode | undefined,
    private readonly onSettled: (sent: SentEvent) => void,
  ) {}

  send(event: SlackEvent): void {
    if (this.stopped) return;
    const body = eventCallbackBody(event);
    const eventId = (JSON.parse(body) as { event_id: string }).event_id;
    if (this.socketMode) {
      const sent: SentEvent = { event, eventId, via: 'socket', attempts: 1 };
      this.sent.push(sent);
      void this.socketMode.deliver('events_api', JSON.parse(body) as Record<string, unknown>).acked.then(() => {
        sent.status = 200;
        this.onSettled(sent);
      });
      return;
    }
    if (!this.requestUrl) return;
    const sent: SentEvent = { event, eventId, via: 'http', attempts: 0 };
    this.sent.push(sent);
    // After the Web API call that caused it has been answered, as with Slack.
    this.later(0, () => this.post(sent, body, this.requestUrl!));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }

  private async post(sent: SentEvent, body: string, to: { url: string; signingSecret: string }): Promise<void> {
    if (this.stopped) return;
    const retry = sent.attempts;
    sent.attempts += 1;
    let status: number;
    try {
      const res = await fetch(to.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...slackSignatureHeaders(to.signingSecret, body),
          ...(retry > 0 ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_error' } : {}),
        },
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.text();
      status = res.status;
    } catch {
      status = 0;
    }
    const ok = status >= 200 && status < 300;
    if (!ok && retry < RETRY_DELAYS_MS.length)
      return this.later(RETRY_DELAYS_MS[retry]!, () => this.post(sent, body, to));
    sent.status = status;
    this.onSettled(sent);
  }
}
