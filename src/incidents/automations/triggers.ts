import type { Incident, TimelineEvent } from '../types.ts';
import type { EventFacts } from './types.ts';

type Event = Pick<TimelineEvent, 'kind' | 'body' | 'data'>;

/** An event trigger: the timeline kinds that are this event, and how people say what happened. */
export interface EventTrigger {
  kinds: string[];
  /** Whether this timeline event is the trigger's (e.g. a priority change that moved the severity). */
  applies?: (event: Event) => boolean;
  /** "the page", for "because the page's title matched …". */
  what: string;
}

/** A timer: when it runs out for this incident (null: it does not, or not any more), and for "because …". */
export interface TimerTrigger {
  dueAt(incident: Incident, afterMinutes: number): number | null;
  what: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const record = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : {};

/** The events automations react to, by the timeline kinds that record them. */
export const EVENT_TRIGGERS: Record<string, EventTrigger> = {
  page: { kinds: ['paged', 'linked'], what: 'the page' },
  alert: { kinds: ['alert_fired'], what: 'the alert' },
  declared: { kinds: ['declared'], what: 'the declaration' },
  severity_changed: {
    kinds: ['severity_changed', 'priority_updated'],
    applies: (e) => typeof e.data.to === 'string',
    what: 'the severity change',
  },
  resolved: { kinds: ['resolved'], what: 'the resolution' },
};

const MIN = 60_000;

/** The policies on timers: derived from the incident as stored, so a restart neither loses nor repeats one. */
export const TIMER_TRIGGERS: Record<string, TimerTrigger> = {
  // Only a paged incident is waiting for someone to acknowledge it.
  unacknowledged: {
    dueAt: (i, after) => (i.externalId !== null && i.acknowledgedAt === null ? i.declaredAt + after * MIN : null),
    what: 'nobody acknowledged the page',
  },
  update_overdue: {
    dueAt: (i, after) => (i.publicAt === null ? i.declaredAt + after * MIN : null),
    what: 'no public update was posted',
  },
};

/** What a trigger's event says, falling back on the incident for what the event does not carry. */
export function factsOf(incident: Incident, event: Event | null): EventFacts {
  const d = event?.data ?? {};
  return {
    // An alert's line names only its alerts; the incident's title is the group's summary.
    title: (event && ['paged', 'linked'].includes(event.kind) && event.body) || incident.title,
    service: str(d.service_id) ?? incident.serviceId,
    urgency: str(d.urgency),
    priority: str(d.priority),
    severity: incident.severity,
    labels: record(d.labels),
    annotations: record(d.annotations),
  };
}
