import { createHmac } from 'node:crypto';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import type { StatusContext } from './model.ts';
import { webhookBody, type WebhookSubject } from './v2-api.ts';

export interface StatusWebhook {
  url: string;
  secret: string;
}

/** Headers of a delivery; the signature covers `<timestamp>.<body>`, so a receiver can refuse replays. */
export const SIGNATURE_HEADER = 'x-incident-bot-signature';
export const TIMESTAMP_HEADER = 'x-incident-bot-timestamp';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

class WebhookError extends Error {
  constructor(
    message: string,
    readonly failure: Failure,
  ) {
    super(message);
  }
}

/**
 * Delivers status webhooks: a JSON POST signed with HMAC-SHA256 under the endpoint's secret.
 * A 2xx is delivered; a 429 waits as asked; 5xx, 408 and no answer are retried by the outbox
 * with backoff; any other answer is final (the endpoint refused it).
 */
export function statusWebhookHandlers(deps: {
  ctx: StatusContext;
  endpoints: StatusWebhook[];
  timeoutMs?: number;
}): Record<string, EffectHandler> {
  return {
    [EffectKind.StatusWebhook]: {
      lane: 'status-webhooks',
      classify: (error) => (error instanceof WebhookError ? error.failure : { type: 'transient' }),
      async deliver(row) {
        const endpoint = deps.endpoints[Number(row.payload.endpoint)];
        // The operator removed the endpoint since: nothing to send, ever.
        if (!endpoint) return { result: { skipped: 'endpoint no longer listed' } };
        const rendered = webhookBody(deps.ctx, row.payload as unknown as WebhookSubject);
        if (!rendered) return { result: { skipped: 'no longer public' } };
        const body = JSON.stringify(rendered.body);
        const timestamp = Math.floor(deps.ctx.now() / 1000);
        const res = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'incident-bot status webhooks',
            'x-incident-bot-event': rendered.event,
            // The same on every attempt of one change: a receiver drops what it has already seen.
            'x-incident-bot-delivery': row.idempotencyKey,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(endpoint.secret, timestamp, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        }).catch((cause: unknown) => {
          throw new WebhookError(`status webhook ${host(endpoint.url)} did not answer: ${String(cause)}`, {
            type: 'transient',
          });
        });
        await res.body?.cancel();
        if (res.ok) return { result: { status: res.status } };
        const why = `status webhook ${host(endpoint.url)} answered ${res.status}`;
        if (res.status === 429) {
          const after = Number(res.headers.get('retry-after'));
          throw new WebhookError(why, { type: 'rate_limited', retryAfterMs: after > 0 ? after * 1000 : 30_000 });
        }
        if (res.status >= 500 || res.status === 408) throw new WebhookError(why, { type: 'transient' });
        throw new WebhookError(why, { type: 'permanent' });
      },
    },
  };
}

/** Only the host reaches logs and the outbox's last error: a URL's path or query may hold a token. */
function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}
