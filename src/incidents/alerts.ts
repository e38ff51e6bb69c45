import type { InboxRepository } from '../inbox/inbox-repository.ts';
import type { AlertGroupRepository, AlertStatus } from './alert-group-repository.ts';
import { commsScheduleFor } from './comms-lead.ts';
import type { Change, Policy } from './core.ts';
import { noticeEffect, openRoomEffects, resolvePeopleEffect, type NoticeAlert } from './effect-kinds.ts';
import type { IncidentRepository } from './incident-repository.ts';
import { TITLE_MAX, type Incident, type Severity } from './types.ts';

/** The source of incidents an alert group opened (and the inbox its notifications are recorded in). */
export const ALERT_SOURCE = 'alert';

export type { AlertStatus } from './alert-group-repository.ts';

/** One alert of a group, as its edge read it from the monitoring system. */
export interface Alert {
  /** The monitoring system's stable id of the alert (its label set). */
  fingerprint: string;
  name: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** When it stopped firing; null while it fires. */
  endsAt: number | null;
  /** Where the alert is defined or graphed (http(s) only), if known. */
  url: string | null;
}

/**
 * A notification about a group of alerts, already verified and mapped to our words by its edge. A
 * group is identified by its key: while the incident it opened is open, later notifications join it.
 */
export interface AlertEvent {
  /** What people call the monitoring system (its edge says), for notices. */
  sourceName: string;
  /** The delivery's own id: a redelivery while the group's incident is open changes nothing. */
  deliveryId: string;
  groupKey: string;
  /** `resolved` when every alert of the group is resolved. */
  status: AlertStatus;
  /** The labels every alert of the notification shares (what an `event: alert` automation matches on). */
  labels: Record<string, string>;
  /** The labels the group is formed by. */
  groupLabels: Record<string, string>;
  /** The annotations every alert shares. */
  annotations: Record<string, string>;
  alerts: Alert[];
  /** Alerts of the group the monitoring system left out of this notification (its own limit). */
  truncated: number;
  /** What an incident the group opens is called, publicly called, and described as. */
  title: string;
  publicTitle: string;
  description: string | null;
  severity: Severity;
  serviceName: string | null;
  /** The monitoring system's own page for the group, if known. */
  url: string | null;
}

/** `ignored`: only resolved alerts of a group that has no open incident (nothing to open, nothing to join). */
export type AlertOutcome = 'duplicate' | 'opened' | 'joined' | 'no_change' | 'ignored';

interface Deps {
  incidents: IncidentRepository;
  alertGroups: AlertGroupRepository;
  inbox: InboxRepository;
  policy: Policy;
}

/** Alerts a single notice or timeline event spells out; beyond them it says how many more. */
const LISTED = 20;

/**
 * Applies a notification about a group of alerts: a firing group with no open incident opens one;
 * with one, it joins it, noting alerts that are new or fire again and alerts that resolved, and
 * when the whole group resolved. It never resolves the incident: a person decides that.
 */
export function applyAlertEvent(
  deps: Deps,
  change: Change,
  ev: AlertEvent,
): { outcome: AlertOutcome; incidentId: number | null } {
  const { inbox, alertGroups, incidents } = deps;
  const first = inbox.firstSeen(ALERT_SOURCE, ev.deliveryId, change.at);
  const openId = alertGroups.openIncident(ev.groupKey);
  const firing = ev.alerts.filter((a) => a.status === 'firing');
  // A notification seen before is a redelivery, unless its incident was resolved since while its
  // alerts still fire: the monitoring system repeats an unchanged group, and that is a new incident.
  if (!first && (openId !== undefined || firing.length === 0)) return { outcome: 'duplicate', incidentId: null };
  if (openId === undefined) {
    if (firing.length === 0) return { outcome: 'ignored', incidentId: null };
    const incident = open(deps, change, ev);
    for (const a of ev.alerts) alertGroups.setStatus(incident.id, a, change.at);
    tellFired(change, incident, ev, firing, false);
    tellResolved(
      change,
      incident,
      ev,
      ev.alerts.filter((a) => a.status === 'resolved'),
    );
    return { outcome: 'opened', incidentId: incident.id };
  }
  const incident = incidents.get(openId)!;
  const fired: Alert[] = [];
  const resolved: Alert[] = [];
  for (const a of ev.alerts) {
    const was = alertGroups.status(incident.id, a.fingerprint);
    if (was === a.status) continue;
    (a.status === 'firing' ? fired : resolved).push(a);
    alertGroups.setStatus(incident.id, a, change.at);
  }
  const allResolved = ev.status === 'resolved' && resolved.length > 0 && alertGroups.firingCount(incident.id) === 0;
  if (fired.length === 0 && resolved.length === 0) return { outcome: 'no_change', incidentId: incident.id };
  tellFired(change, incident, ev, fired, true);
  tellResolved(change, incident, ev, resolved, allResolved);
  return { outcome: 'joined', incidentId: incident.id };
}

function open(deps: Deps, change: Change, ev: AlertEvent): Incident {
  const { incidents, alertGroups, policy } = deps;
  const fallback = `Alert group ${ev.groupKey}`.slice(0, TITLE_MAX);
  const title = ev.title.trim().slice(0, TITLE_MAX) || fallback;
  const id = incidents.insert({
    title,
    publicTitle: ev.publicTitle.trim().slice(0, TITLE_MAX) || title,
    description: ev.description,
    severity: ev.severity,
    source: ALERT_SOURCE,
    externalId: null,
    declaredBy: ALERT_SOURCE,
    declaredAt: change.at,
    serviceName: ev.serviceName,
    externalUrl: ev.url,
  });
  alertGroups.opened(id, ev.groupKey, change.at);
  const schedule = commsScheduleFor(policy, null);
  if (schedule) incidents.update(id, { commsSchedule: schedule }, change.at);
  change.event({
    incidentId: id,
    kind: 'declared',
    actor: null,
    body: title,
    data: {
      source: ALERT_SOURCE,
      via: ev.sourceName,
      severity: ev.severity,
      group_key: ev.groupKey,
      labels: ev.labels,
      service: ev.serviceName,
      url: ev.url,
    },
  });
  // Nobody was paged by name: the room opens, and the comms lead is named as for a page with nobody assigned.
  change.effect(
    ...openRoomEffects(id, []),
    resolvePeopleEffect(id, ev.deliveryId, ALERT_SOURCE, [], 'staff', schedule),
  );
  return incidents.get(id)!;
}

const names = (alerts: Alert[]) => {
  const listed = alerts.slice(0, LISTED).map((a) => a.name);
  const more = alerts.length - listed.length;
  return `${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
};

/** An alert as the timeline keeps it: what fired and where, bounded by the edge's limits. */
const recorded = (a: Alert) => ({
  fingerprint: a.fingerprint,
  name: a.name,
  status: a.status,
  labels: a.labels,
  annotations: a.annotations,
  starts_at: a.startsAt,
  ends_at: a.endsAt,
});

/** Only what an alert adds to what the whole group shares is repeated for it. */
const except = (own: Record<string, string>, common: Record<string, string>) =>
  Object.fromEntries(Object.entries(own).filter(([k, v]) => common[k] !== v));

function tellFired(change: Change, incident: Incident, ev: AlertEvent, alerts: Alert[], joined: boolean): void {
  if (alerts.length === 0) return;
  const listed = alerts.slice(0, LISTED);
  change.event({
    incidentId: incident.id,
    kind: 'alert_fired',
    actor: null,
    body: `${alerts.length === 1 ? 'Alert' : 'Alerts'} ${names(alerts)} firing`,
    data: {
      via: ALERT_SOURCE,
      group_key: ev.groupKey,
      joined,
      labels: ev.labels,
      annotations: ev.annotations,
      alerts: listed.map(recorded),
      more: alerts.length - listed.length,
      truncated: ev.truncated,
    },
  });
  const shown: NoticeAlert[] = listed.map((a) => ({
    name: a.name,
    labels: except(a.labels, ev.labels),
    annotations: except(a.annotations, ev.annotations),
    url: a.url,
  }));
  change.effect(
    noticeEffect(incident.id, `${ev.deliveryId}:${incident.id}`, {
      type: 'alerts_firing',
      via: ev.sourceName,
      joined,
      labels: ev.labels,
      annotations: ev.annotations,
      alerts: shown,
      more: alerts.length - listed.length + ev.truncated,
    }),
  );
}

function tellResolved(change: Change, incident: Incident, ev: AlertEvent, alerts: Alert[], allResolved = false): void {
  if (alerts.length > 0) {
    change.event({
      incidentId: incident.id,
      kind: 'alert_resolved',
      actor: null,
      body: `${alerts.length === 1 ? 'Alert' : 'Alerts'} ${names(alerts)} resolved`,
      data: {
        via: ALERT_SOURCE,
        group_key: ev.groupKey,
        alerts: alerts.slice(0, LISTED).map(recorded),
        more: Math.max(0, alerts.length - LISTED),
      },
    });
  }
  if (allResolved) {
    change.event({
      incidentId: incident.id,
      kind: 'alerts_all_resolved',
      actor: null,
      body: 'Every alert of the group resolved',
      data: { via: ALERT_SOURCE, group_key: ev.groupKey },
    });
  }
  if (alerts.length === 0) return;
  const listed = alerts.slice(0, LISTED);
  change.effect(
    noticeEffect(incident.id, `${ev.deliveryId}:${incident.id}`, {
      type: 'alerts_resolved',
      via: ev.sourceName,
      alerts: listed.map((a) => ({ name: a.name, labels: except(a.labels, ev.labels) })),
      more: alerts.length - listed.length,
      allResolved,
    }),
  );
}
