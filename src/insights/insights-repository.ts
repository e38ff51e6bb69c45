import type { Db } from '../db/open.ts';
import type { Incident } from '../incidents/types.ts';
import {
  NO_SERVICE,
  type IncidentFilter,
  type InsightsSource,
  type TalliedIncident,
  type TimeRange,
} from './figures.ts';
import type { FollowupRecord, FollowupSource } from './followup-figures.ts';
import { TALLY_COLUMNS, TallyRepository, tallyFromValues } from './tally-repository.ts';

/** id, severity, service_name, declared_at, status, then TALLY_COLUMNS. */
type IncidentValues = [number, Incident['severity'], string | null, number, Incident['status'], ...unknown[]];

/** The insights' read of incidents and the tallies of their timelines: one range query, one row an incident. */
export class InsightsRepository implements InsightsSource, FollowupSource {
  private readonly inRange;
  /** One statement per number of severities and services filtered on (at most 13 × 13, made when first asked). */
  private readonly inRangeByShape = new Map<string, { iterate(...params: unknown[]): IterableIterator<unknown> }>();
  private readonly tallies;
  private readonly metricFeed;
  private readonly followupRows;
  private readonly serviceNames;

  constructor(db: Db) {
    this.tallies = new TallyRepository(db);
    this.inRange = (severities: number, services: number) => {
      const key = `${severities}/${services}`;
      let stmt = this.inRangeByShape.get(key);
      if (!stmt) this.inRangeByShape.set(key, (stmt = db.prepare(inRangeSql(severities, services)).raw()));
      return stmt;
    };
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

  /**
   * The incidents of the range that the filter keeps, oldest first, read row by row as the caller
   * iterates: each raw row is garbage at once, and only what the caller keeps survives. Severities
   * are compared in the query (index incidents_severity_declared_at); services too, without case,
   * when every name asked for is ASCII (the engines' lower() folds ASCII letters only; otherwise the
   * caller's own filter, which the figures always apply, does it).
   */
  *incidents(range: TimeRange, filter: IncidentFilter = {}): Generator<TalliedIncident> {
    this.countStaleTallies();
    const severities = filter.severities ?? [];
    const asked = (filter.services ?? []).map((s) => s.toLowerCase());
    const services = asked.every((s) => ASCII.test(s)) ? asked : [];
    const params: (number | string)[] = [range.from, range.to, ...severities, ...services];
    const rows = this.inRange(severities.length, services.length).iterate(...params) as Iterable<IncidentValues>;
    for (const v of rows) {
      yield {
        incident: { id: v[0], severity: v[1], serviceName: v[2], declaredAt: v[3], status: v[4] },
        tally: tallyFromValues(v, 5),
      };
    }
  }
}

const ASCII = /^[\x20-\x7e]*$/;

/**
 * Incidents declared in [?, ?) with their tallies, in the order of incidents_declared_at (declared_at,
 * then id), and only those of the `severities` and `services` (after the range: the severities, then
 * the lower-case service names) when there are any. The service expression is
 * the one incidents_service_declared_at holds (migration 034), so the index serves it.
 */
function inRangeSql(severities: number, services: number): string {
  const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  return `SELECT i.id, i.severity, i.service_name, i.declared_at, i.status, ${TALLY_COLUMNS}
    FROM incidents i LEFT JOIN incident_tallies t ON t.incident_id = i.id
    WHERE i.declared_at >= ? AND i.declared_at < ? AND i.is_private = 0
    ${severities ? `AND i.severity IN (${list(severities)})` : ''}
    ${services ? `AND lower(COALESCE(i.service_name, '${NO_SERVICE}')) IN (${list(services)})` : ''}
    ORDER BY i.declared_at, i.id`;
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
