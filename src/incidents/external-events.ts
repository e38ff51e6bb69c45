import type { InboxRepository } from '../inbox/inbox-repository.ts';
import {
  dutiesEffect,
  noticeEffect,
  openRoomEffects,
  refreshEffects,
  resolvePeopleEffect,
  type Notice,
} from './effect-kinds.ts';
import type { IncidentRepository } from './incident-repository.ts';
import { commsScheduleFor } from './comms-lead.ts';
import type { Change, Policy } from './core.ts';
import { TITLE_MAX, type ExternalUser, type Incident, type Severity } from './types.ts';

export const EXTERNAL_EVENT_KINDS = [
  'triggered',
  'acknowledged',
  'unacknowledged',
  'resolved',
  'reopened',
  'reassigned',
  'escalated',
  'delegated',
  'priority_updated',
  'annotated',
  'responder_added',
] as const;
export type ExternalEventKind = (typeof EXTERNAL_EVENT_KINDS)[number];

/** What the paging system says about its incident; `complete` is false when the event carried only a reference. */
export interface ExternalSnapshot {
  title: string;
  complete: boolean;
  dedupKey: string | null;
  url: string | null;
  serviceName: string | null;
  /** The paging system's id of the service that fired (chooses the comms lead's schedule). */
  serviceId?: string | null;
  severity: Severity;
  assignees: ExternalUser[];
  description: string | null;
  /** What the public may call it; the title when absent. */
  publicTitle?: string;
  /** The page's urgency and priority as the paging system names them (automations filter on them). */
  urgency?: string | null;
  priority?: string | null;
}

/** An event from a paging system, already verified and mapped to our words by its edge. */
export interface ExternalEvent {
  source: string;
  /** What people call the source (its edge says), for notices and the title of a page that had none. */
  sourceName: string;
  /** The delivery's own id: a redelivery of the same id changes nothing. */
  deliveryId: string;
  externalId: string;
  kind: ExternalEventKind;
  occurredAt: number;
  /** Who did it, as the paging system names them (display only). */
  actor: string | null;
  /** Who did it, when a person of the paging system (to look them up, e.g. to invite who acknowledged). */
  actorRef?: ExternalUser | null;
  snapshot: ExternalSnapshot;
  note?: string;
  responder?: ExternalUser & { message: string | null };
}

/** `stale`: older than the newest event already applied to the same part of the incident; not applied. */
export type ApplyOutcome = 'duplicate' | 'opened' | 'joined' | 'applied' | 'no_change' | 'stale';

/**
 * The part of an incident each kind speaks about, so that events are ordered by when they happened,
 * not when they arrived: an event older than the newest one applied to its part is stale (it would
 * roll that part back). Parts are ordered apart, so a newer note or priority change never holds
 * back an older resolve. `checked: false` kinds move the clock but are applied even when late,
 * because they cannot undo anything: the first acknowledgement time is only ever filled in.
 * Notes and added responders only add to the timeline; they are never stale.
 */
const ORDER: Record<ExternalEventKind, { aspect: string; checked: boolean } | null> = {
  triggered: null,
  acknowledged: { aspect: 'acknowledgement', checked: false },
  unacknowledged: { aspect: 'acknowledgement', checked: true },
  resolved: { aspect: 'status', checked: true },
  reopened: { aspect: 'status', checked: true },
  reassigned: { aspect: 'assignees', checked: true },
  escalated: { aspect: 'assignees', checked: true },
  delegated: { aspect: 'assignees', checked: true },
  priority_updated: { aspect: 'severity', checked: true },
  annotated: null,
  responder_added: null,
};

interface Deps {
  incidents: IncidentRepository;
  policy: Policy;
  inbox: InboxRepository;
  /** What resolving means beyond the state (the domain's `closeIncident`). */
  close: (
    change: Change,
    incident: Incident,
    opts: { by: string; via: string; note: string | null; cause: string; resolvedAt: number },
  ) => void;
  /** Applies an event about a page sent from one of our incidents; null when it is about no such page. */
  pageEvent?: (change: Change, ev: ExternalEvent) => { outcome: ApplyOutcome; incidentId: number } | null;
}

export interface ExternalEventResult {
  outcome: ApplyOutcome;
  incidentId: number | null;
  /** The incident as this event left it, when that is known without reading it again (one it opened). */
  incident?: Incident;
}

export function applyExternalEvent(deps: Deps, change: Change, ev: ExternalEvent): ExternalEventResult {
  const { incidents, inbox } = deps;
  if (!inbox.firstSeen(ev.source, ev.deliveryId, change.at)) return { outcome: 'duplicate', incidentId: null };
  // A page we sent from an incident is help for that incident, never a new one (nor the incident itself).
  const paged = deps.pageEvent?.(change, ev);
  if (paged) return paged;

  const found = incidents.byLinkOrDedup(ev.source, ev.externalId, ev.snapshot.dedupKey || null);
  let incident = found?.incident;
  let outcome: ApplyOutcome | undefined;
  if (found?.by === 'dedup') {
    join(deps, change, found.incident, ev);
    outcome = 'joined';
  }
  if (!incident) {
    // Opened late when the first event we see is not the trigger (we were down, or it was reordered).
    incident = open(deps, change, ev);
    if (ev.kind === 'triggered') return { outcome: 'opened', incidentId: incident.id, incident };
    outcome = 'opened';
  }
  const order = ORDER[ev.kind];
  if (order?.checked) {
    const newest = incidents.externalOrder(incident.id, ev.source, order.aspect);
    if (newest !== null && ev.occurredAt < newest) return { outcome: outcome ?? 'stale', incidentId: incident.id };
  }
  const applied = APPLY[ev.kind](deps, change, incident, ev);
  // Even an event that changed nothing is the newest word on its part (a reopen seen before the
  // resolve it followed must still win over that resolve).
  if (order) incidents.advanceExternalOrder(incident.id, ev.source, order.aspect, ev.occurredAt);
  return { outcome: outcome ?? (applied ? 'applied' : 'no_change'), incidentId: incident.id };
}

function open(deps: Deps, change: Change, ev: ExternalEvent): Incident {
  const { incidents } = deps;
  const s = ev.snapshot;
  const fallback = `${ev.sourceName} incident ${ev.externalId}`;
  const title = s.title.trim().slice(0, TITLE_MAX) || fallback;
  const id = incidents.insert({
    title,
    publicTitle: (s.publicTitle ?? title).trim().slice(0, TITLE_MAX) || fallback,
    description: s.description,
    severity: s.severity,
    source: ev.source,
    externalId: ev.externalId,
    declaredBy: ev.source,
    declaredAt: ev.occurredAt,
    dedupKey: s.dedupKey,
    serviceName: s.serviceName,
    serviceId: s.serviceId ?? null,
    externalUrl: s.url,
    private: s.serviceId ? (deps.policy.privateServices ?? []).includes(s.serviceId) : false,
  });
  const schedule = commsScheduleFor(deps.policy, s.serviceId ?? null);
  if (schedule) incidents.update(id, { commsSchedule: schedule }, change.at);
  incidents.link(ev.source, ev.externalId, id, s.url, change.at);
  change.event({
    incidentId: id,
    at: ev.occurredAt,
    kind: 'paged',
    actor: ev.actor,
    body: title,
    data: {
      source: ev.source,
      external_id: ev.externalId,
      severity: s.severity,
      service: s.serviceName,
      url: s.url,
      first_event: ev.kind,
      ...pageFacts(s),
    },
  });
  // The room opens from the webhook alone; who to invite and who holds which role follow when the
  // lookup answers, which may be much later if the paging system's API is down.
  change.effect(
    ...openRoomEffects(id, []),
    resolvePeopleEffect(id, ev.deliveryId, ev.source, s.assignees, 'staff', schedule),
  );
  return incidents.get(id)!;
}

/** What a page says about where it came from, kept on its timeline event for automations to match. */
const pageFacts = (s: ExternalSnapshot) => ({
  service_id: s.serviceId ?? null,
  urgency: s.urgency ?? null,
  priority: s.priority ?? null,
});

function join(deps: Deps, change: Change, incident: Incident, ev: ExternalEvent): void {
  deps.incidents.link(ev.source, ev.externalId, incident.id, ev.snapshot.url, change.at);
  change.event({
    incidentId: incident.id,
    at: ev.occurredAt,
    kind: 'linked',
    actor: ev.actor,
    body: ev.snapshot.title,
    data: { external_id: ev.externalId, ...pageFacts(ev.snapshot) },
  });
  change.effect(
    noticeEffect(incident.id, ev.deliveryId, {
      type: 'linked',
      via: ev.sourceName,
      externalId: ev.externalId,
      url: ev.snapshot.url,
      title: ev.snapshot.title,
    }),
  );
}

type Applier = (deps: Deps, change: Change, incident: Incident, ev: ExternalEvent) => boolean;

/** Records the event in the timeline and posts its notice; returns true. */
const tell = (
  change: Change,
  incident: Incident,
  ev: ExternalEvent,
  notice: Notice | null,
  body: string | null = null,
  data: Record<string, unknown> = {},
) => {
  change.event({
    incidentId: incident.id,
    at: ev.occurredAt,
    kind: ev.kind,
    actor: ev.actor,
    body,
    data: { via: ev.source, ...data },
  });
  if (notice) change.effect(noticeEffect(incident.id, ev.deliveryId, notice));
  return true;
};
const via = (ev: ExternalEvent) => ev.sourceName;
const by = (ev: ExternalEvent) => ev.actor ?? via(ev);

const reassign: Applier = (_deps, change, incident, ev) => {
  tell(
    change,
    incident,
    ev,
    { type: 'reassigned', to: ev.snapshot.assignees.map((a) => a.name), via: via(ev), how: ev.kind },
    null,
    {
      assignees: ev.snapshot.assignees,
    },
  );
  if (ev.snapshot.assignees.length > 0) {
    change.effect(resolvePeopleEffect(incident.id, ev.deliveryId, ev.source, ev.snapshot.assignees, 'invite'));
  }
  return true;
};

/**
 * Each kind's effect on an existing incident. State only moves forward in time: an acknowledgement
 * that arrives after the incident was resolved is recorded but does not reopen it, and an event
 * whose state we already hold (e.g. the echo of an ack made in chat) changes nothing.
 */
const APPLY: Record<ExternalEventKind, Applier> = {
  triggered: () => false,
  acknowledged: (deps, change, incident, ev) => {
    if (incident.acknowledgedAt !== null) return false;
    deps.incidents.update(incident.id, { acknowledgedAt: ev.occurredAt }, change.at);
    change.effect(...refreshEffects(incident.id, ev.deliveryId));
    return tell(change, incident, ev, { type: 'acknowledged', by: by(ev), via: via(ev) });
  },
  unacknowledged: (_deps, change, incident, ev) =>
    incident.status !== 'resolved' && tell(change, incident, ev, { type: 'unacknowledged', via: via(ev) }),
  resolved: (deps, change, incident, ev) => {
    if (incident.status === 'resolved') return false;
    tell(change, incident, ev, null);
    deps.close(change, incident, {
      by: by(ev),
      via: via(ev),
      note: null,
      cause: ev.deliveryId,
      resolvedAt: ev.occurredAt,
    });
    return true;
  },
  reopened: (deps, change, incident, ev) => {
    if (incident.status !== 'resolved' || (incident.resolvedAt ?? 0) > ev.occurredAt) return false;
    deps.incidents.update(incident.id, { status: 'investigating', resolvedAt: null }, change.at);
    // The pinned duties said "resolved": redrawn, as after a reopen in chat.
    change.effect(...refreshEffects(incident.id, ev.deliveryId), dutiesEffect(incident.id, ev.deliveryId));
    return tell(change, incident, ev, { type: 'reopened', by: by(ev), via: via(ev) });
  },
  reassigned: reassign,
  escalated: reassign,
  delegated: reassign,
  priority_updated: (deps, change, incident, ev) => {
    if (!ev.snapshot.complete || ev.snapshot.severity === incident.severity) return false;
    deps.incidents.update(incident.id, { severity: ev.snapshot.severity }, change.at);
    change.effect(...refreshEffects(incident.id, ev.deliveryId), dutiesEffect(incident.id, ev.deliveryId));
    const notice: Notice = {
      type: 'severity_changed',
      from: incident.severity,
      to: ev.snapshot.severity,
      by: by(ev),
      via: via(ev),
    };
    return tell(change, incident, ev, notice, null, { from: incident.severity, to: ev.snapshot.severity });
  },
  annotated: (_deps, change, incident, ev) =>
    tell(change, incident, ev, { type: 'external_note', by: by(ev), via: via(ev), text: ev.note ?? '' }, ev.note ?? ''),
  responder_added: (_deps, change, incident, ev) => {
    if (!ev.responder) return false;
    tell(
      change,
      incident,
      ev,
      { type: 'responder_added', name: ev.responder.name, via: via(ev), message: ev.responder.message },
      ev.responder.message,
      {
        responder: { id: ev.responder.id, name: ev.responder.name },
      },
    );
    change.effect(resolvePeopleEffect(incident.id, ev.deliveryId, ev.source, [ev.responder], 'invite'));
    return true;
  },
};
