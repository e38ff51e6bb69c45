import type { Db } from '../db/open.ts';
import { emptyTally, tallyEvent, tallyOf, type IncidentTally, type TallyEvent } from './incident-tally.ts';

/** The tally columns, in this order, for a SELECT that joins `incident_tallies` as `t`. */
export const TALLY_COLUMNS = `t.acknowledged_at, t.mitigated_at, t.first_resolved_at, t.last_resolved_at, t.paged,
  t.declared_event_at, t.declared_in_slack, t.pager_at, t.pager, t.page_times, t.names`;

const jsonList = <T>(json: string): T[] => {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? (v as T[]) : [];
};

/**
 * A stored tally from the values of TALLY_COLUMNS (a raw row, from `at` on: arrays are the cheapest
 * rows better-sqlite3 makes, and the insights read one per incident of a period). A row the join
 * found no tally for (no timeline yet) is the empty tally.
 */
export function tallyFromValues(v: readonly unknown[], at = 0): IncidentTally {
  const pageTimes = v[at + 9] as string | null;
  if (pageTimes === null || pageTimes === undefined) return emptyTally();
  const n = (i: number) => v[at + i] as number | null;
  return {
    acknowledgedAt: n(0),
    mitigatedAt: n(1),
    firstResolvedAt: n(2),
    lastResolvedAt: n(3),
    paged: v[at + 4] === 1,
    declaredEventAt: n(5),
    declaredInSlack: v[at + 6] === 1,
    pagerAt: n(7),
    pager: v[at + 8] as string | null,
    pageTimes: jsonList<number>(pageTimes),
    names: jsonList<string>(v[at + 10] as string),
  };
}

const toParams = (incidentId: number, t: IncidentTally) => ({
  incidentId,
  acknowledgedAt: t.acknowledgedAt,
  mitigatedAt: t.mitigatedAt,
  firstResolvedAt: t.firstResolvedAt,
  lastResolvedAt: t.lastResolvedAt,
  paged: t.paged ? 1 : 0,
  declaredEventAt: t.declaredEventAt,
  declaredInSlack: t.declaredInSlack ? 1 : 0,
  pagerAt: t.pagerAt,
  pager: t.pager,
  pageTimes: JSON.stringify(t.pageTimes),
  names: JSON.stringify(t.names),
});

/**
 * Keeps each incident's tally beside its timeline. The incident repository calls `record` in the
 * transaction that appends each event, so a tally is never behind its timeline; tallies the
 * migration marked stale are counted again from their timeline (`recountStale`).
 */
export class TallyRepository {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      get: db.prepare(`SELECT t.stale, ${TALLY_COLUMNS} FROM incident_tallies t WHERE t.incident_id = ?`).raw(),
      put: db.prepare(`INSERT INTO incident_tallies (incident_id, stale, acknowledged_at, mitigated_at,
          first_resolved_at, last_resolved_at, paged, declared_event_at, declared_in_slack, pager_at, pager,
          page_times, names)
        VALUES (@incidentId, 0, @acknowledgedAt, @mitigatedAt, @firstResolvedAt, @lastResolvedAt, @paged,
          @declaredEventAt, @declaredInSlack, @pagerAt, @pager, @pageTimes, @names)
        ON CONFLICT (incident_id) DO UPDATE SET stale = 0, acknowledged_at = excluded.acknowledged_at,
          mitigated_at = excluded.mitigated_at, first_resolved_at = excluded.first_resolved_at,
          last_resolved_at = excluded.last_resolved_at, paged = excluded.paged,
          declared_event_at = excluded.declared_event_at, declared_in_slack = excluded.declared_in_slack,
          pager_at = excluded.pager_at, pager = excluded.pager, page_times = excluded.page_times,
          names = excluded.names`),
      timeline: db.prepare('SELECT at, kind, actor, data FROM timeline_events WHERE incident_id = ? ORDER BY at, id'),
      stale: db.prepare('SELECT incident_id FROM incident_tallies WHERE stale = 1 LIMIT ?').pluck(),
      anyStale: db.prepare('SELECT 1 FROM incident_tallies WHERE stale = 1 LIMIT 1').pluck(),
    };
  }

  /** Counts an event just appended to `incidentId`'s timeline (the caller's transaction holds both). */
  record(incidentId: number, event: TallyEvent): void {
    const row = this.stmt.get.get(incidentId) as unknown[] | undefined;
    if (row?.[0] === 1) return this.recount(incidentId);
    // No tally yet: this is the incident's first event (every event is counted as it is appended, and the
    // migration that brought tallies marked each incident with a timeline stale), so it is counted alone,
    // without reading back the timeline it is the whole of.
    const tally = row ? tallyFromValues(row, 1) : emptyTally();
    if (tallyEvent(tally, event) || !row) this.stmt.put.run(toParams(incidentId, tally));
  }

  hasStale(): boolean {
    return this.stmt.anyStale.get() !== undefined;
  }

  /** Counts every stale tally from its timeline, `batch` incidents a transaction; returns how many. */
  recountStale(batch = 500): number {
    let done = 0;
    const step = this.db.transaction(() => {
      const ids = this.stmt.stale.all(batch) as number[];
      for (const id of ids) this.recount(id);
      return ids.length;
    });
    for (let n = step(); n > 0; n = step()) done += n;
    return done;
  }

  private recount(incidentId: number): void {
    type Row = { at: number; kind: string; actor: string | null; data: string };
    const events = (this.stmt.timeline.all(incidentId) as Row[]).map((r) => ({ ...r, data: parseData(r.data) }));
    this.stmt.put.run(toParams(incidentId, tallyOf(events)));
  }
}

function parseData(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
