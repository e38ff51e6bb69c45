import type { z } from 'zod';
import type { Settings } from '../config/settings.ts';
import type { ExternalEvent, ExternalEventKind, ExternalSnapshot } from '../incidents/external-events.ts';
import { DESCRIPTION_MAX, TITLE_MAX, type ExternalUser, type Severity } from '../incidents/types.ts';
import { ownValue } from '../lib/own-value.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { truncateMarked } from '../text/truncate.ts';
import {
  HANDLED_EVENT_TYPES,
  incidentDataSchema,
  noteDataSchema,
  responderDataSchema,
  type Envelope,
  type PdIncident,
  type PdReference,
} from './webhook-schema.ts';

export const SOURCE = 'pagerduty';
/** What people call it, in notices and in the title of a page that came without one. */
export const SOURCE_NAME = 'PagerDuty';

const KIND: Record<keyof typeof HANDLED_EVENT_TYPES, ExternalEventKind> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.unacknowledged': 'unacknowledged',
  'incident.resolved': 'resolved',
  'incident.reopened': 'reopened',
  'incident.reassigned': 'reassigned',
  'incident.escalated': 'escalated',
  'incident.delegated': 'delegated',
  'incident.priority_updated': 'priority_updated',
  'incident.annotated': 'annotated',
  'incident.responder.added': 'responder_added',
};

export type MapResult =
  { type: 'event'; event: ExternalEvent } | { type: 'ignored'; reason: string } | { type: 'invalid'; reason: string };

const person = (r: PdReference): ExternalUser => ({ id: r.id, name: r.summary?.trim() || r.id });

/** The severity a page gets: its priority if the map names it, else its urgency, else the default. */
export function severityOf(incident: Pick<PdIncident, 'priority' | 'urgency'>, settings: Settings): Severity {
  const map = settings.pagerduty;
  return (
    ownValue(map.priorities, incident.priority?.summary) ??
    ownValue(map.urgencies, incident.urgency) ??
    settings.default_severity
  );
}

function describePage(i: PdIncident): string {
  const parts = [
    // A title too long for the title is kept whole here.
    i.title.length > TITLE_MAX && `Title: ${i.title}`,
    i.service?.summary && `Service: ${i.service.summary}`,
    i.urgency && `Urgency: ${i.urgency}`,
    i.priority?.summary && `Priority: ${i.priority.summary}`,
    `Assigned: ${i.assignees?.length ? i.assignees.map((a) => a.summary ?? a.id).join(', ') : 'nobody'}`,
    i.number != null && `PagerDuty #${i.number}`,
  ];
  return truncateMarked(parts.filter(Boolean).join(' · '), DESCRIPTION_MAX);
}

function fromIncident(i: PdIncident, settings: Settings): ExternalSnapshot {
  return {
    title: truncateMarked(i.title, TITLE_MAX),
    publicTitle: truncateMarked(withoutSlackMentions(i.title).replace(/\s+/g, ' ').trim(), TITLE_MAX),
    complete: true,
    dedupKey: i.incident_key ?? null,
    url: i.html_url ?? null,
    serviceName: i.service?.summary ?? null,
    serviceId: i.service?.id ?? null,
    severity: severityOf(i, settings),
    urgency: i.urgency ?? null,
    priority: i.priority?.summary ?? null,
    assignees: (i.assignees ?? []).map(person),
    description: describePage(i),
  };
}

function fromReference(ref: PdReference, settings: Settings): ExternalSnapshot {
  return {
    title: truncateMarked(ref.summary ?? '', TITLE_MAX),
    complete: false,
    dedupKey: null,
    url: ref.html_url ?? null,
    serviceName: null,
    severity: settings.default_severity,
    assignees: [],
    description: null,
  };
}

const problem = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((i) => `${['data', ...i.path].join('.')}: ${i.message}`)
    .join('; ');

/** Maps a verified v3 webhook to the domain's external event, or says why it is ignored or invalid. */
export function mapPagerDutyEvent(envelope: Envelope, settings: Settings): MapResult {
  const e = envelope.event;
  const shape = ownValue(HANDLED_EVENT_TYPES, e.event_type);
  if (!shape) return { type: 'ignored', reason: `event type ${e.event_type} is not one the bot acts on` };
  if (e.resource_type !== 'incident') {
    return {
      type: 'invalid',
      reason: `event.resource_type is ${e.resource_type}; ${e.event_type} is about an incident`,
    };
  }
  const base = {
    source: SOURCE,
    sourceName: SOURCE_NAME,
    deliveryId: e.id,
    kind: KIND[e.event_type as keyof typeof KIND],
    occurredAt: Date.parse(e.occurred_at),
    actor: e.agent ? person(e.agent).name : null,
    // Only a person can be looked up and invited (an agent may also be a service or an integration).
    actorRef: e.agent && (!e.agent.type || e.agent.type === 'user_reference') ? person(e.agent) : null,
  };
  if (shape === 'incident') {
    const data = incidentDataSchema.safeParse(e.data);
    if (!data.success) return { type: 'invalid', reason: problem(data.error) };
    return { type: 'event', event: { ...base, externalId: data.data.id, snapshot: fromIncident(data.data, settings) } };
  }
  if (shape === 'incident_note') {
    const data = noteDataSchema.safeParse(e.data);
    if (!data.success) return { type: 'invalid', reason: problem(data.error) };
    const d = data.data;
    return {
      type: 'event',
      event: { ...base, externalId: d.incident.id, snapshot: fromReference(d.incident, settings), note: d.content },
    };
  }
  const data = responderDataSchema.safeParse(e.data);
  if (!data.success) return { type: 'invalid', reason: problem(data.error) };
  const d = data.data;
  return {
    type: 'event',
    event: {
      ...base,
      externalId: d.incident.id,
      snapshot: fromReference(d.incident, settings),
      responder: { ...person(d.user), message: d.message ?? null },
    },
  };
}
