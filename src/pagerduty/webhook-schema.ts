import { z } from 'zod';
import { DESCRIPTION_MAX, NOTE_MAX } from '../incidents/types.ts';
import { truncateMarked } from '../text/truncate.ts';
import { xmlSafeDeep } from '../text/xml-safe.ts';

/**
 * PagerDuty Webhooks v3 payloads, as PagerDuty documents them (developer docs, "Webhook Payload"
 * and "Event Data Types"). Parsed once at the edge; only the fields we use are required, and
 * `null` is accepted wherever PagerDuty sends it (agent, client, priority, conference bridge …).
 * Ids that are too long are refused; text that is too long (titles, names, notes) is cut with a
 * visible marker instead, so a page with a long note still opens its room.
 */
const text = (max: number) => z.string().transform((s) => truncateMarked(s, max));
/** A person's, service's or priority's name. */
const NAME_MAX = 200;

const reference = z.object({
  id: z.string().min(1).max(64),
  summary: text(NAME_MAX).nullish(),
  html_url: z.string().max(2048).nullish(),
  type: z.string().max(64).nullish(),
});
export type PdReference = z.infer<typeof reference>;

/** The body as parsed JSON: first every string loses what XML forbids (see text/xml-safe.ts). */
export const envelopeSchema = z.preprocess(
  (body) => xmlSafeDeep(body),
  z.object({
    event: z.object({
      id: z.string().min(1).max(128),
      event_type: z.string().min(1).max(128),
      resource_type: z.string().min(1).max(64),
      occurred_at: z.iso.datetime({ offset: true }),
      agent: reference.nullish(),
      client: z
        .object({ name: text(256).nullish() })
        .passthrough()
        .nullish(),
      data: z.record(z.string(), z.unknown()),
    }),
  }),
);
export type Envelope = z.infer<typeof envelopeSchema>;

export const incidentDataSchema = z.object({
  id: z.string().min(1).max(64),
  type: z.literal('incident'),
  html_url: z.string().max(2048).nullish(),
  number: z.number().int().nullish(),
  status: text(64).nullish(),
  incident_key: z.string().max(1024).nullish(),
  // Kept whole up to a description's length: map-event cuts the title and keeps the rest there.
  title: text(DESCRIPTION_MAX),
  service: reference.nullish(),
  assignees: z.array(reference).max(100).nullish(),
  priority: reference.nullish(),
  urgency: text(32).nullish(),
});
export type PdIncident = z.infer<typeof incidentDataSchema>;

const incidentRef = reference.extend({ summary: text(DESCRIPTION_MAX).nullish() });

export const noteDataSchema = z.object({
  type: z.literal('incident_note'),
  id: z.string().max(64).nullish(),
  incident: incidentRef,
  content: text(NOTE_MAX),
});

export const responderDataSchema = z.object({
  type: z.literal('incident_responder'),
  incident: incidentRef,
  user: reference,
  message: text(NOTE_MAX).nullish(),
});

/** Which data shape each event type we act on carries. Other event types are acknowledged and ignored. */
export const HANDLED_EVENT_TYPES = {
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
} as const;
