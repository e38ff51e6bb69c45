import { z } from 'zod';

/**
 * PagerDuty Webhooks v3 payloads, as PagerDuty documents them (developer docs, "Webhook Payload"
 * and "Event Data Types"). Parsed once at the edge; only the fields we use are required, and
 * `null` is accepted wherever PagerDuty sends it (agent, client, priority, conference bridge …).
 */
const reference = z.object({
  id: z.string().min(1).max(64),
  summary: z.string().max(1024).nullish(),
  html_url: z.string().max(2048).nullish(),
  type: z.string().max(64).nullish(),
});
export type PdReference = z.infer<typeof reference>;

export const envelopeSchema = z.object({
  event: z.object({
    id: z.string().min(1).max(128),
    event_type: z.string().min(1).max(128),
    resource_type: z.string().min(1).max(64),
    occurred_at: z.iso.datetime({ offset: true }),
    agent: reference.nullish(),
    client: z.object({ name: z.string().max(256).nullish() }).passthrough().nullish(),
    data: z.record(z.string(), z.unknown()),
  }),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const incidentDataSchema = z.object({
  id: z.string().min(1).max(64),
  type: z.literal('incident'),
  html_url: z.string().max(2048).nullish(),
  number: z.number().int().nullish(),
  status: z.string().max(64).nullish(),
  incident_key: z.string().max(1024).nullish(),
  title: z.string().max(65_536),
  service: reference.nullish(),
  assignees: z.array(reference).max(100).nullish(),
  priority: reference.nullish(),
  urgency: z.string().max(32).nullish(),
});
export type PdIncident = z.infer<typeof incidentDataSchema>;

const incidentRef = reference.extend({ summary: z.string().max(65_536).nullish() });

export const noteDataSchema = z.object({
  type: z.literal('incident_note'),
  id: z.string().max(64).nullish(),
  incident: incidentRef,
  content: z.string().max(65_536),
});

export const responderDataSchema = z.object({
  type: z.literal('incident_responder'),
  incident: incidentRef,
  user: reference,
  message: z.string().max(65_536).nullish(),
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
