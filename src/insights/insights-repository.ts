import type { Db } from '../db/open.ts';
import type { Incident } from '../incidents/types.ts';
import type { IncidentHistory, InsightsSource, TimeRange } from './figures.ts';
import type { FollowupRecord, FollowupSource } from './followup-figures.ts';

interface IncidentRow {
  id: number;
  severity: Incident['severity'];
  source: string;
  service_name: string | null;
  declared_at: number;
  status: Incident['status'];
}
interface EventRow {
  incident_id: number;
  at: number;
  kind: string;
  actor: string | null;
  data: string;
}

/** The insights' read of incidents and their timelines: two range queries, whatever the number of incidents. */
export class InsightsRepository implements InsightsSource, FollowupSource {
  private readonly incidents;
  private readonly events;
  private readonly metricFeed;
  private readonly followupRows;
  private readonly serviceNames;

  constructor(db: Db) {
    this.incidents = db.prepare(`SELECT id, severity, source, service_name, declared_at, status FROM incidents
      WHERE declared_at >= ? AND declared_at < ? AND is_private = 0 ORDER BY declared_at, id`);
    // Joined on the same range so one statement reads every timeline (timeline_by_incident serves it).
    // Only the kinds whose data the figures read bring it (parsing every note's data was most of the time).
    this.events = db.prepare(`SELECT e.incident_id, e.at, e.kind, e.actor,
      CASE WHEN e.kind IN ('role_assigned', 'declared') THEN e.data ELSE '{}' END AS data FROM incidents i
      JOIN timeline_events e ON e.incident_id = i.id
      WHERE i.declared_at >= ? AND i.declared_at < ? AND i.is_private = 0 ORDER BY e.incident_id, e.at, e.id`);
    this.metricFeed = db.prepare(`SELECT e.id, e.kind, e.at, i.declared_at AS declaredAt, i.severity, i.source,
      NOT EXISTS (SELECT 1 FROM timeline_events p WHERE p.incident_id = e.incident_id AND p.kind = e.kind
        AND p.id < e.id) AS first
      FROM timeline_events e JOIN incidents i ON i.id = e.incident_id
      WHERE e.id > ? AND e.kind IN ('declared', 'paged', 'linked', 'acknowledged', 'resolved')
      ORDER BY e.id LIMIT ?`);
    this.serviceNames = db
      .prepare(
        `SELECT DISTINCT service_name FROM incidents WHERE declared_at >= ? AND declared_at < ? AND is_private = 0`,
      )
      .pluck();
    this.followupRows = db.prepare(`SELECT f.created_at AS createdAt, f.closed_at AS closedAt, i.severity,
      i.service_name AS serviceName FROM followups f JOIN incidents i ON i.id = f.incident_id
      WHERE f.created_at < ? AND (f.closed_at IS NULL OR f.closed_at >= ?) AND i.is_private = 0 ORDER BY f.id`);
  }

  /** The services incidents in the range came from (null: none named). */
  services(range: TimeRange): (string | null)[] {
    return this.serviceNames.all(range.from, range.to) as (string | null)[];
  }

  followups(range: TimeRange): FollowupRecord[] {
    return this.followupRows.all(range.to, range.from) as FollowupRecord[];
  }

  /**
   * Timeline events after `afterId` that the metrics count (oldest first, at most `limit`), each with
   * whether it is the first of its kind for its incident and the incident's start, severity and source.
   */
  metricEvents(afterId: number, limit: number): MetricEvent[] {
    return this.metricFeed.all(afterId, limit) as MetricEvent[];
  }

  history(range: TimeRange): IncidentHistory[] {
    const byId = new Map<number, IncidentHistory>();
    for (const r of this.incidents.all(range.from, range.to) as IncidentRow[]) {
      byId.set(r.id, {
        incident: {
          id: r.id,
          severity: r.severity,
          source: r.source,
          serviceName: r.service_name,
          declaredAt: r.declared_at,
          status: r.status,
        },
        events: [],
      });
    }
    for (const e of this.events.all(range.from, range.to) as EventRow[]) {
      byId.get(e.incident_id)?.events.push({ at: e.at, kind: e.kind, actor: e.actor, data: parseData(e.data) });
    }
    return [...byId.values()];
  }
}

export interface MetricEvent {
  id: number;
  kind: string;
  at: number;
  declaredAt: number;
  severity: string;
  source: string;
  first: 0 | 1;
}

function parseData(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
