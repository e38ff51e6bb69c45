import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * PagerDuty's own published Webhooks v3 examples (test/fixtures/vendor/pagerduty/webhooks/, see the
 * README there), and deliveries of other event types composed from them the way PagerDuty's
 * documentation describes: the same envelope, `event_type` changed, `data` the published example of
 * the data type the documentation names for that event type.
 */
const DIR = new URL('../fixtures/vendor/pagerduty/webhooks/', import.meta.url);

/** A published example exactly as published (bytes matter: the signature is over the raw body). */
export const publishedBody = (name: 'incident.priority_updated' | 'service.updated') =>
  readFileSync(new URL(`${name}.json`, DIR), 'utf8');

type Json = Record<string, unknown>;
const dataExample = (type: string) => JSON.parse(readFileSync(new URL(`event-data/${type}.json`, DIR), 'utf8')) as Json;

/** `data.type` per event type, from the documentation's event type table. */
const DATA_TYPE: Record<string, string> = {
  'incident.triggered': 'incident',
  'incident.acknowledged': 'incident',
  'incident.unacknowledged': 'incident',
  'incident.resolved': 'incident',
  'incident.reopened': 'incident',
  'incident.reassigned': 'incident',
  'incident.escalated': 'incident',
  'incident.delegated': 'incident',
  'incident.priority_updated': 'incident',
  'incident.annotated': 'incident_note',
  'incident.responder.added': 'incident_responder',
  'incident.status_update_published': 'incident_status_update',
};
export const DOCUMENTED_EVENT_TYPES = Object.keys(DATA_TYPE);

/**
 * A delivery of `eventType` built on the published envelope. `data` patches the published data
 * example (e.g. `status: 'resolved'` for a resolution); `id` and `occurredAt` default to a fresh id
 * and now, as consecutive real deliveries would have.
 */
export function delivery(eventType: string, opts: { data?: Json; id?: string; occurredAt?: string } = {}): Json {
  const type = DATA_TYPE[eventType];
  if (!type) throw new Error(`no documented data type for ${eventType}`);
  const envelope = JSON.parse(publishedBody('incident.priority_updated')) as { event: Json };
  return {
    event: {
      ...envelope.event,
      id: opts.id ?? randomUUID(),
      event_type: eventType,
      occurred_at: opts.occurredAt ?? new Date().toISOString(),
      data: { ...dataExample(type), ...opts.data },
    },
  };
}

/**
 * `X-PagerDuty-Signature` as PagerDuty's "Verifying Signatures" page describes it, computed here
 * rather than by the bot's own helper: `v1=` + hex HMAC-SHA256 of the raw body, one per secret.
 */
export const pagerDutySignature = (raw: string, secrets: readonly string[]) =>
  secrets.map((s) => `v1=${createHmac('sha256', s).update(raw, 'utf8').digest('hex')}`).join(',');

/** POSTs a raw body to the bot's webhook, signed; returns the status and JSON answer. */
export async function deliver(url: string, raw: string, secrets: readonly string[]) {
  const res = await fetch(url, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'PagerDuty-Webhook/V3.0',
      'x-pagerduty-signature': pagerDutySignature(raw, secrets),
    },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
