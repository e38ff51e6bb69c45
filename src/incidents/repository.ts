import type { Db } from '../db/open.ts';
import type { Incident, RoleAssignment, Role, Severity, TimelineEvent, UserRef } from './types.ts';

interface IncidentRow {
  id: number;
  title: string;
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
  updated_at: number;
}

const toIncident = (r: IncidentRow): Incident => ({
  id: r.id,
  title: r.title,
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
  updatedAt: r.updated_at,
});

export interface NewIncident {
  title: string;
  description: string | null;
  severity: Severity;
  source: string;
  externalId: string | null;
  declaredBy: UserRef;
  declaredAt: number;
}

export interface NewTimelineEvent {
  incidentId: number;
  at: number;
  kind: string;
  actor: UserRef | null;
  body?: string | null;
  data?: Record<string, unknown>;
}

/** All SQL about incidents, their timeline and roles. Prepared once; callers own transactions. */
export class IncidentRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO incidents
        (title, description, severity, source, external_id, declared_by, declared_at, updated_at)
        VALUES (@title, @description, @severity, @source, @externalId, @declaredBy, @declaredAt, @declaredAt)`),
      byId: db.prepare('SELECT * FROM incidents WHERE id = ?'),
      byChannel: db.prepare('SELECT * FROM incidents WHERE channel_id = ?'),
      open: db.prepare("SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY declared_at DESC"),
      count: db.prepare('SELECT count(*) FROM incidents').pluck(),
      setChannel: db.prepare('UPDATE incidents SET channel_id = ?, channel_name = ?, updated_at = ? WHERE id = ?'),
      setSummaryTs: db.prepare('UPDATE incidents SET summary_ts = ?, updated_at = ? WHERE id = ?'),
      appendEvent: db.prepare(`INSERT INTO timeline_events (incident_id, at, kind, actor, body, data)
        VALUES (@incidentId, @at, @kind, @actor, @body, @data)`),
      timeline: db.prepare('SELECT * FROM timeline_events WHERE incident_id = ? ORDER BY at, id'),
      setRole: db.prepare(`INSERT INTO incident_roles (incident_id, role, user_id, assigned_at, assigned_by)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (incident_id, role) DO UPDATE SET
          user_id = excluded.user_id, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`),
      roles: db.prepare('SELECT role, user_id, assigned_at, assigned_by FROM incident_roles WHERE incident_id = ? ORDER BY role'),
    };
  }

  insert(incident: NewIncident): number {
    return Number(this.stmt.insert.run(incident).lastInsertRowid);
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

  setChannel(id: number, channelId: string, channelName: string, now: number): void {
    this.stmt.setChannel.run(channelId, channelName, now, id);
  }

  setSummaryTs(id: number, ts: string, now: number): void {
    this.stmt.setSummaryTs.run(ts, now, id);
  }

  appendEvent(event: NewTimelineEvent): number {
    return Number(
      this.stmt.appendEvent.run({
        ...event,
        body: event.body ?? null,
        data: JSON.stringify(event.data ?? {}),
      }).lastInsertRowid,
    );
  }

  timeline(incidentId: number): TimelineEvent[] {
    type Row = { id: number; incident_id: number; at: number; kind: string; actor: string | null; body: string | null; data: string };
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
