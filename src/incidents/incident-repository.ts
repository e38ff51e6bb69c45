import type Database from 'better-sqlite3';
import type { Db } from '../db/open.ts';
import { isMissingReference } from '../db/storage-error.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import { TallyRepository } from '../insights/tally-repository.ts';
import type { Incident, RoleAssignment, Role, Severity, TimelineEvent, UserRef } from './types.ts';

export interface IncidentRow {
  id: number;
  title: string;
  public_title: string | null;
  description: string | null;
  severity: Severity;
  status: Incident['status'];
  source: string;
  external_id: string | null;
  declared_by: string;
  declared_at: number;
  acknowledged_at: number | null;
  mitigated_at: number | null;
  resolved_at: number | null;
  channel_id: string | null;
  channel_name: string | null;
  summary_ts: string | null;
  dedup_key: string | null;
  service_name: string | null;
  external_url: string | null;
  last_update_at: number | null;
  update_due_at: number | null;
  comms_nag_at: number | null;
  public_at: number | null;
  statuspage_id: string | null;
  customer_impact: string | null;
  service_id: string | null;
  comms_schedule: string | null;
  comms_on_call: string | null;
  shift_check_at: number | null;
  comms_offer_to: string | null;
  duties_ts: string | null;
  is_private: 0 | 1;
  updated_at: number;
}

export const toIncident = (r: IncidentRow): Incident => ({
  id: r.id,
  title: r.title,
  publicTitle: r.public_title ?? r.title,
  description: r.description,
  severity: r.severity,
  status: r.status,
  source: r.source,
  externalId: r.external_id,
  declaredBy: r.declared_by,
  declaredAt: r.declared_at,
  acknowledgedAt: r.acknowledged_at,
  mitigatedAt: r.mitigated_at,
  resolvedAt: r.resolved_at,
  channelId: r.channel_id,
  channelName: r.channel_name,
  summaryTs: r.summary_ts,
  dedupKey: r.dedup_key,
  serviceName: r.service_name,
  externalUrl: r.external_url,
  lastUpdateAt: r.last_update_at,
  updateDueAt: r.update_due_at,
  commsNagAt: r.comms_nag_at,
  publicAt: r.public_at,
  statuspageId: r.statuspage_id,
  customerImpact: r.customer_impact,
  serviceId: r.service_id,
  commsSchedule: r.comms_schedule,
  commsOnCall: r.comms_on_call,
  shiftCheckAt: r.shift_check_at,
  commsOfferTo: r.comms_offer_to,
  dutiesTs: r.duties_ts,
  private: r.is_private === 1,
  updatedAt: r.updated_at,
});

export interface NewIncident {
  title: string;
  /** The title when absent. */
  publicTitle?: string;
  description: string | null;
  severity: Severity;
  source: string;
  externalId: string | null;
  declaredBy: UserRef;
  declaredAt: number;
  dedupKey?: string | null;
  serviceName?: string | null;
  serviceId?: string | null;
  externalUrl?: string | null;
  private?: boolean;
}

/** Timestamps and state a change may set; absent keys are left alone. */
export interface IncidentPatch {
  status?: Incident['status'];
  severity?: Severity;
  acknowledgedAt?: number | null;
  mitigatedAt?: number | null;
  resolvedAt?: number | null;
  lastUpdateAt?: number | null;
  updateDueAt?: number | null;
  commsNagAt?: number | null;
  publicAt?: number | null;
  statuspageId?: string | null;
  customerImpact?: string | null;
  publicTitle?: string;
  commsSchedule?: string | null;
  commsOnCall?: UserRef | null;
  shiftCheckAt?: number | null;
  commsOfferTo?: UserRef | null;
}

const PATCH_COLUMNS: Record<keyof IncidentPatch, string> = {
  status: 'status',
  severity: 'severity',
  acknowledgedAt: 'acknowledged_at',
  mitigatedAt: 'mitigated_at',
  resolvedAt: 'resolved_at',
  lastUpdateAt: 'last_update_at',
  updateDueAt: 'update_due_at',
  commsNagAt: 'comms_nag_at',
  publicAt: 'public_at',
  statuspageId: 'statuspage_id',
  customerImpact: 'customer_impact',
  publicTitle: 'public_title',
  commsSchedule: 'comms_schedule',
  commsOnCall: 'comms_on_call',
  shiftCheckAt: 'shift_check_at',
  commsOfferTo: 'comms_offer_to',
};

export interface NewTimelineEvent {
  incidentId: number;
  at: number;
  kind: string;
  actor: UserRef | null;
  body?: string | null;
  data?: Record<string, unknown>;
}

/** The patch's own keys that the whitelist names, sorted: they are spliced into SQL, so never anything else. */
const patchKeys = (patch: IncidentPatch): (keyof IncidentPatch)[] =>
  (Object.keys(patch) as (keyof IncidentPatch)[])
    .filter((k) => Object.hasOwn(PATCH_COLUMNS, k) && patch[k] !== undefined)
    .sort();

/** All SQL about incidents, their timeline and roles. Prepared once; callers own transactions. */
export class IncidentRepository {
  private readonly stmt;
  private readonly tallies;
  private readonly append;
  private readonly appendNow;
  /** One UPDATE per set of columns patched together, prepared the first time that set is written. */
  private readonly patches = new Map<string, Database.Statement>();

  constructor(readonly db: Db) {
    this.tallies = new TallyRepository(db);
    // The event and the tally the insights read of it commit together, whatever the caller's transaction.
    this.appendNow = (event: NewTimelineEvent): number => {
      const data = event.data ?? {};
      let id: number;
      try {
        id = Number(
          this.stmt.appendEvent.run({ ...event, body: event.body ?? null, data: JSON.stringify(data) }).lastInsertRowid,
        );
      } catch (error) {
        // The timeline's reference to its incident (its only one) is the check that it exists: a
        // change that needs nothing else of the incident, as a note, does not read it first.
        if (isMissingReference(error, 'timeline_events', 'incident_id'))
          throw new UserError(ErrorCode.NotFound, `There is no incident #${event.incidentId}.`, { cause: error });
        throw error;
      }
      this.tallies.record(event.incidentId, { at: event.at, kind: event.kind, actor: event.actor, data });
      return id;
    };
    this.append = db.transaction(this.appendNow);
    this.stmt = {
      insert: db.prepare(`INSERT INTO incidents
        (title, public_title, description, severity, source, external_id, declared_by, declared_at, updated_at,
         dedup_key, service_name, service_id, external_url, is_private)
        VALUES (@title, @publicTitle, @description, @severity, @source, @externalId, @declaredBy, @declaredAt, @declaredAt,
         @dedupKey, @serviceName, @serviceId, @externalUrl, @isPrivate)`),
      link: db.prepare(`INSERT INTO incident_links (source, external_id, incident_id, html_url, linked_at)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      links: db
        .prepare('SELECT external_id FROM incident_links WHERE incident_id = ? AND source = ? ORDER BY linked_at')
        .pluck(),
      externalOrder: db
        .prepare('SELECT occurred_at FROM incident_external_order WHERE incident_id = ? AND source = ? AND aspect = ?')
        .pluck(),
      advanceExternalOrder:
        db.prepare(`INSERT INTO incident_external_order (incident_id, source, aspect, occurred_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (incident_id, source, aspect) DO UPDATE SET occurred_at = excluded.occurred_at
        WHERE excluded.occurred_at > incident_external_order.occurred_at`),
      // One statement, one round trip on PostgreSQL: the incident linked to the paging system's one,
      // else the oldest open incident with its dedup key, looked for only when there is no link.
      // found_by tells which, and is not an incident column. (A UNION ALL of the two, sorted, cost
      // SQLite a temporary B-tree and 5-8 us more a webhook.)
      byLinkOrDedup: db.prepare(`SELECT CASE WHEN linked.id IS NULL THEN 1 ELSE 0 END AS found_by, i.*
        FROM (SELECT (SELECT incident_id FROM incident_links WHERE source = ? AND external_id = ?) AS id) linked
        JOIN incidents i ON i.id = COALESCE(linked.id,
          (SELECT id FROM incidents WHERE source = ? AND dedup_key = ? AND status <> 'resolved' ORDER BY id LIMIT 1))`),
      updatesDue: db.prepare(`SELECT * FROM incidents WHERE status <> 'resolved' AND update_due_at IS NOT NULL
        AND update_due_at <= ? ORDER BY update_due_at`),
      commsVacantDue: db.prepare(`SELECT * FROM incidents i WHERE status <> 'resolved' AND comms_nag_at IS NOT NULL
        AND comms_nag_at <= ? AND NOT EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.role = 'comms')`),
      shiftChecksDue: db.prepare(`SELECT * FROM incidents WHERE status <> 'resolved' AND comms_schedule IS NOT NULL
        AND shift_check_at IS NOT NULL AND shift_check_at <= ? ORDER BY shift_check_at`),
      rotationGet: db.prepare('SELECT position FROM rotations WHERE name = ?').pluck(),
      rotationSet: db.prepare(`INSERT INTO rotations (name, position) VALUES (?, ?)
        ON CONFLICT (name) DO UPDATE SET position = excluded.position`),
      byId: db.prepare('SELECT * FROM incidents WHERE id = ?'),
      byChannel: db.prepare('SELECT * FROM incidents WHERE channel_id = ?'),
      open: db.prepare("SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY declared_at DESC"),
      count: db.prepare('SELECT count(*) FROM incidents').pluck(),
      openBySeverity: db.prepare(
        "SELECT severity, count(*) AS n FROM incidents WHERE status <> 'resolved' GROUP BY severity",
      ),
      setChannel: db.prepare('UPDATE incidents SET channel_id = ?, channel_name = ?, updated_at = ? WHERE id = ?'),
      setSummaryTs: db.prepare('UPDATE incidents SET summary_ts = ?, updated_at = ? WHERE id = ?'),
      setDutiesTs: db.prepare('UPDATE incidents SET duties_ts = ?, updated_at = ? WHERE id = ?'),
      clearRole: db.prepare('DELETE FROM incident_roles WHERE incident_id = ? AND role = ?'),
      appendEvent: db.prepare(`INSERT INTO timeline_events (incident_id, at, kind, actor, body, data)
        VALUES (@incidentId, @at, @kind, @actor, @body, @data)`),
      timeline: db.prepare('SELECT * FROM timeline_events WHERE incident_id = ? ORDER BY at, id'),
      setRole: db.prepare(`INSERT INTO incident_roles (incident_id, role, user_id, assigned_at, assigned_by)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (incident_id, role) DO UPDATE SET
          user_id = excluded.user_id, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`),
      roles: db.prepare(
        'SELECT role, user_id, assigned_at, assigned_by FROM incident_roles WHERE incident_id = ? ORDER BY role',
      ),
    };
  }

  insert(incident: NewIncident): number {
    const { private: isPrivate, ...fields } = incident;
    return Number(
      this.stmt.insert.run({
        dedupKey: null,
        serviceName: null,
        serviceId: null,
        externalUrl: null,
        ...fields,
        isPrivate: isPrivate ? 1 : 0,
        publicTitle: incident.publicTitle ?? incident.title,
      }).lastInsertRowid,
    );
  }

  /**
   * Writes the fields `patch` sets, in one statement: an update writes status, last update and when
   * the next is due together, and each statement rewrites the row and its indexes again.
   */
  update(id: number, patch: IncidentPatch, now: number): void {
    const keys = patchKeys(patch);
    if (keys.length === 0) return;
    this.patchStatement(keys, false).run(...keys.map((k) => patch[k]), now, id);
  }

  /** `update`, answering with the incident as it now is (the statement returns it: no second read). */
  updateAndGet(id: number, patch: IncidentPatch, now: number): Incident | undefined {
    const keys = patchKeys(patch);
    if (keys.length === 0) return this.get(id);
    const row = this.patchStatement(keys, true).get(...keys.map((k) => patch[k]), now, id) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  /** The columns come from PATCH_COLUMNS only (never from input), and the sets in use are a handful. */
  private patchStatement(keys: (keyof IncidentPatch)[], returning: boolean): Database.Statement {
    const name = `${returning ? 'returning:' : ''}${keys.join(',')}`;
    let statement = this.patches.get(name);
    if (!statement) {
      const set = keys.map((k) => `${PATCH_COLUMNS[k]} = ?`).join(', ');
      statement = this.db.prepare(
        `UPDATE incidents SET ${set}, updated_at = ? WHERE id = ?${returning ? ' RETURNING *' : ''}`,
      );
      this.patches.set(name, statement);
    }
    return statement;
  }

  link(source: string, externalId: string, incidentId: number, htmlUrl: string | null, now: number): void {
    this.stmt.link.run(source, externalId, incidentId, htmlUrl, now);
  }

  /**
   * The incident a paging system's incident belongs to: the one linked to it, else (with a dedup key)
   * the oldest open one with that key, which it would join.
   */
  byLinkOrDedup(
    source: string,
    externalId: string,
    dedupKey: string | null,
  ): { incident: Incident; by: 'link' | 'dedup' } | undefined {
    const row = this.stmt.byLinkOrDedup.get(source, externalId, source, dedupKey) as
      (IncidentRow & { found_by: number }) | undefined;
    if (!row) return undefined;
    const { found_by: foundBy, ...incident } = row;
    return { incident: toIncident(incident), by: Number(foundBy) === 0 ? 'link' : 'dedup' };
  }

  links(incidentId: number, source: string): string[] {
    return this.stmt.links.all(incidentId, source) as string[];
  }

  /** When the newest event from `source` about this aspect of the incident happened (ms), if any was applied. */
  externalOrder(incidentId: number, source: string, aspect: string): number | null {
    return (this.stmt.externalOrder.get(incidentId, source, aspect) as number | undefined) ?? null;
  }

  /** Moves that time forward to `occurredAt`; never back. */
  advanceExternalOrder(incidentId: number, source: string, aspect: string, occurredAt: number): void {
    this.stmt.advanceExternalOrder.run(incidentId, source, aspect, occurredAt);
  }

  /** Open incidents whose next status update is overdue at `now`. */
  updatesDue(now: number): Incident[] {
    return (this.stmt.updatesDue.all(now) as IncidentRow[]).map(toIncident);
  }

  /** Open incidents with nobody as comms lead whose reminder is due at `now`. */
  commsVacantDue(now: number): Incident[] {
    return (this.stmt.commsVacantDue.all(now) as IncidentRow[]).map(toIncident);
  }

  /** Open incidents following an on-call schedule whose next look at it is due at `now`. */
  shiftChecksDue(now: number): Incident[] {
    return (this.stmt.shiftChecksDue.all(now) as IncidentRow[]).map(toIncident);
  }

  /** Advances a named rotation and returns the position to use now. */
  nextInRotation(name: string, size: number): number {
    const current = (this.stmt.rotationGet.get(name) as number | undefined) ?? -1;
    const next = (current + 1) % size;
    this.stmt.rotationSet.run(name, next);
    return next;
  }

  get(id: number): Incident | undefined {
    const row = this.stmt.byId.get(id) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  byChannel(channelId: string): Incident | undefined {
    const row = this.stmt.byChannel.get(channelId) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  listOpen(): Incident[] {
    return (this.stmt.open.all() as IncidentRow[]).map(toIncident);
  }

  count(): number {
    return this.stmt.count.get() as number;
  }

  /** Open incidents per severity (severities with none are absent). */
  openBySeverity(): { severity: Severity; n: number }[] {
    return this.stmt.openBySeverity.all() as { severity: Severity; n: number }[];
  }

  setChannel(id: number, channelId: string, channelName: string, now: number): void {
    this.stmt.setChannel.run(channelId, channelName, now, id);
  }

  setSummaryTs(id: number, ts: string, now: number): void {
    this.stmt.setSummaryTs.run(ts, now, id);
  }

  setDutiesTs(id: number, ts: string, now: number): void {
    this.stmt.setDutiesTs.run(ts, now, id);
  }

  appendEvent(event: NewTimelineEvent): number {
    // In a caller's transaction the two writes are already atomic: a savepoint around them would add
    // two statements to every change (each costs as much as a write once the caches have gone cold).
    return this.db.inTransaction ? this.appendNow(event) : this.append(event);
  }

  timeline(incidentId: number): TimelineEvent[] {
    type Row = {
      id: number;
      incident_id: number;
      at: number;
      kind: string;
      actor: string | null;
      body: string | null;
      data: string;
    };
    return (this.stmt.timeline.all(incidentId) as Row[]).map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      at: r.at,
      kind: r.kind,
      actor: r.actor,
      body: r.body,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  setRole(incidentId: number, role: Role, userId: UserRef, at: number, by: UserRef | null): void {
    this.stmt.setRole.run(incidentId, role, userId, at, by);
  }

  /** Leaves the role vacant (who held it stays in the timeline). */
  clearRole(incidentId: number, role: Role): void {
    this.stmt.clearRole.run(incidentId, role);
  }

  roles(incidentId: number): RoleAssignment[] {
    type Row = { role: Role; user_id: string; assigned_at: number; assigned_by: string | null };
    return (this.stmt.roles.all(incidentId) as Row[]).map((r) => ({
      role: r.role,
      userId: r.user_id,
      assignedAt: r.assigned_at,
      assignedBy: r.assigned_by,
    }));
  }
}
