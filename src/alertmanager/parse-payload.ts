import { z } from 'zod';
import { truncateMarked } from '../text/truncate.ts';
import { xmlSafeDeep } from '../text/xml-safe.ts';

/**
 * Prometheus Alertmanager's webhook payload, version 4 (the `webhook_config` section of its
 * configuration docs): a group of alerts with the labels and annotations they share. Parsed once at
 * the edge, every size bounded. A notification that breaks a structural bound (too many alerts or
 * labels, a label name or group key too long) is refused with the reason, so the operator can fix
 * the route (e.g. `max_alerts`); a long label or annotation value is cut with a visible marker
 * instead, so one verbose description never loses an alert.
 */
export const BODY_LIMIT = 1024 * 1024;
export const MAX_ALERTS = 500;
export const MAX_LABELS = 100;
const NAME_MAX = 256;
const LABEL_VALUE_MAX = 1024;
const ANNOTATION_VALUE_MAX = 4000;
const GROUP_KEY_MAX = 4096;
const URL_MAX = 2048;

const text = (max: number) => z.string().transform((s) => truncateMarked(s, max));

const pairs = (valueMax: number, what: string) =>
  z
    .record(z.string().min(1).max(NAME_MAX), text(valueMax))
    .refine((kv) => Object.keys(kv).length <= MAX_LABELS, `at most ${MAX_LABELS} ${what}`)
    .default({});
const labels = pairs(LABEL_VALUE_MAX, 'labels');
const annotations = pairs(ANNOTATION_VALUE_MAX, 'annotations');

/** Alertmanager's times are RFC 3339 with up to nanoseconds; a firing alert's end is the zero time (year 1). */
const time = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const status = z.enum(['firing', 'resolved']);

const alertSchema = z.object({
  status,
  labels,
  annotations,
  startsAt: time,
  endsAt: time.nullish(),
  generatorURL: z.string().max(URL_MAX).nullish(),
  // Sent by every Alertmanager since 0.21; derived from the labels when absent (map-event.ts).
  fingerprint: z.string().min(1).max(128).nullish(),
});
export type AmAlert = z.infer<typeof alertSchema>;

/** The body as parsed JSON; first every string loses what XML forbids (see text/xml-safe.ts). */
export const payloadSchema = z.preprocess(
  (body) => xmlSafeDeep(body),
  z.object({
    version: z.literal('4', { error: 'must be "4" (the Alertmanager webhook payload version this bot reads)' }),
    groupKey: z.string().min(1).max(GROUP_KEY_MAX),
    truncatedAlerts: z.number().int().min(0).max(1_000_000_000).default(0),
    status,
    receiver: z.string().max(NAME_MAX).default(''),
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: z.string().max(URL_MAX).nullish(),
    alerts: z
      .array(alertSchema)
      .min(1)
      .max(MAX_ALERTS, `at most ${MAX_ALERTS} alerts per notification: set max_alerts in the webhook_config`),
  }),
);
export type AmPayload = z.infer<typeof payloadSchema>;

/** Parses the raw body: the payload, or why it is not one (a sentence naming the fields at fault). */
export function parsePayload(raw: Buffer): { ok: true; payload: AmPayload } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `body is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = payloadSchema.safeParse(json);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason };
}
