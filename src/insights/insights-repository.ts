import type { Db } from '../db/open.ts';
import type { Incident } from '../incidents/types.ts';
import type { InsightsSource, TalliedIncident, TimeRange } from './figures.ts';
import type { FollowupRecord, FollowupSource } from './followup-figures.ts';
import { TALLY_COLUMNS, TallyRepository, tallyFromValues } from './tally-repository.ts';

/** id, severity, service_name, declared_at, status, then TALLY_COLUMNS. */
type IncidentValues = [number, Incident['severity'], string | null, number, Incident['status'], ...unknown[]];

/** The insights' read of incidents and the tallies of their timelines: one range query, one row an incident. */
export class InsightsRepository implements InsightsSource, FollowupSource {
  private readonly inRange;
  private readonly tallies;
  private readonly metricFeed;
  private readonly followupRows;
  private readonly serviceNames;

  constructor(db: Db) {
    this.tallies = new TallyRepository(db);
    // In the order of incidents_declared_at (declared_at, then id): no sort, one row per incident.
    this.inRange = db
      .prepare(
        `SELECT i.id, i.severity, i.service_name, i.declared_at, i.status, ${TALLY_COLUMNS}
      FROM incidents i LEFT JOIN incident_tallies t ON t.incident_id = i.id
      WHERE i.declared_at >= ? AND i.declared_at < ? AND i.is_private = 0 ORDER BY i.declared_at, i.id`,
      )
      .raw();
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

  /**
   * Counts the timelines written before the tallies were kept (migration 031 marked them); the bot
   * does it at start, and a read does it first if they are still there. Returns how many.
   */
  countStaleTallies(): number {
    return this.tallies.hasStale() ? this.tallies.recountStale() : 0;
  }

  incidents(range: TimeRange): TalliedIncident[] {
    this.countStaleTallies();
    // Row by row: each raw row is garbage at once, and only what the figures read survives (a third
    // less CPU than .all() at 100,000 incidents, most of it the garbage collector's).
    const out: TalliedIncident[] = [];
    for (const v of this.inRange.iterate(range.from, range.to) as Iterable<IncidentValues>) {
      out.push({
        incident: { id: v[0], severity: v[1], serviceName: v[2], declaredAt: v[3], status: v[4] },
        tally: tallyFromValues(v, 5),
      });
    }
    return out;
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
