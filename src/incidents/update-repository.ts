import type { Db } from '../db/open.ts';
import { toIncident, type IncidentRow } from './incident-repository.ts';
import type { ComponentChange, ComponentStatus, Incident, IncidentUpdate } from './types.ts';

interface UpdateRow {
  id: number;
  incident_id: number;
  at: number;
  status: IncidentUpdate['status'];
  body: string;
  author: string | null;
  public: number;
  components: string;
}

const toUpdate = (r: UpdateRow): IncidentUpdate => ({
  id: r.id,
  incidentId: r.incident_id,
  at: r.at,
  status: r.status,
  body: r.body,
  author: r.author,
  public: r.public === 1,
  components: JSON.parse(r.components) as ComponentChange[],
});

/** How many incidents' updates `publicUpdatesOf` reads in one statement. */
const UPDATES_READ_TOGETHER = 100;

/** All SQL about status updates, the components they touch, and what the public status page may show. */
export class UpdateRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      addUpdate: db.prepare(`INSERT INTO incident_updates (incident_id, at, status, body, author, public, components)
        VALUES (@incidentId, @at, @status, @body, @author, @public, @components)`),
      setComponent:
        db.prepare(`INSERT INTO incident_components (incident_id, component_id, status, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (incident_id, component_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`),
      components: db.prepare(
        'SELECT component_id AS id, status FROM incident_components WHERE incident_id = ? ORDER BY component_id',
      ),
      // Public pages read only incidents that were published, and only their public updates. Incidents
      // declared in the same millisecond keep one order (the newer first), page after page.
      publicIncidents:
        db.prepare(`SELECT * FROM incidents WHERE public_at IS NOT NULL AND (resolved_at IS NULL OR resolved_at >= ?)
        ORDER BY declared_at DESC, id DESC LIMIT ? OFFSET ?`),
      publicOpenIncidents: db.prepare(`SELECT * FROM incidents WHERE public_at IS NOT NULL AND status <> 'resolved'
        ORDER BY declared_at DESC, id DESC LIMIT ?`),
      publicVersion: db
        .prepare(
          `SELECT coalesce((SELECT max(id) FROM incident_updates WHERE public = 1), 0) || ':' ||
        coalesce((SELECT max(updated_at) FROM incidents WHERE public_at IS NOT NULL), 0) || ':' ||
        coalesce((SELECT max(updated_at) FROM incident_components), 0)`,
        )
        .pluck(),
      byId: db.prepare('SELECT * FROM incident_updates WHERE id = ?'),
      publicById: db.prepare('SELECT * FROM incidents WHERE id = ? AND public_at IS NOT NULL'),
      publicCount: db
        .prepare(
          'SELECT count(*) FROM incidents WHERE public_at IS NOT NULL AND (resolved_at IS NULL OR resolved_at >= ?)',
        )
        .pluck(),
      publicUpdates: db.prepare(
        'SELECT * FROM incident_updates WHERE public = 1 AND incident_id = ? ORDER BY at DESC, id DESC',
      ),
      // The public updates of up to UPDATES_READ_TOGETHER incidents (the unused places hold 0, no incident's id).
      publicUpdatesOfMany: db.prepare(`SELECT * FROM incident_updates
        WHERE public = 1 AND incident_id IN (${Array(UPDATES_READ_TOGETHER).fill('?').join(', ')})
        ORDER BY incident_id, at DESC, id DESC`),
      recentPublicUpdates: db.prepare(`SELECT u.* FROM incident_updates u JOIN incidents i ON i.id = u.incident_id
        WHERE u.public = 1 AND i.public_at IS NOT NULL ORDER BY u.at DESC, u.id DESC LIMIT ?`),
      worstOpenComponents:
        db.prepare(`SELECT c.component_id AS id, c.status, max(c.updated_at) AS updated_at FROM incident_components c
        JOIN incidents i ON i.id = c.incident_id WHERE i.status <> 'resolved' AND i.public_at IS NOT NULL
        GROUP BY c.component_id, c.status`),
      updates: db.prepare('SELECT * FROM incident_updates WHERE incident_id = ? ORDER BY at DESC, id DESC'),
      latest: db.prepare('SELECT * FROM incident_updates WHERE incident_id = ? ORDER BY at DESC, id DESC LIMIT 1'),
    };
  }

  addUpdate(u: Omit<IncidentUpdate, 'id'>): number {
    return Number(
      this.stmt.addUpdate.run({ ...u, public: u.public ? 1 : 0, components: JSON.stringify(u.components) })
        .lastInsertRowid,
    );
  }

  updates(incidentId: number): IncidentUpdate[] {
    return (this.stmt.updates.all(incidentId) as UpdateRow[]).map(toUpdate);
  }

  /** The newest update of an incident: one index seek, however many it has had. */
  latest(incidentId: number): IncidentUpdate | undefined {
    const row = this.stmt.latest.get(incidentId) as UpdateRow | undefined;
    return row && toUpdate(row);
  }

  get(id: number): IncidentUpdate | undefined {
    const row = this.stmt.byId.get(id) as UpdateRow | undefined;
    return row && toUpdate(row);
  }

  setComponentStatus(incidentId: number, componentId: string, status: ComponentStatus, now: number): void {
    this.stmt.setComponent.run(incidentId, componentId, status, now);
  }

  /** The incident's latest word on each component it affects. */
  componentStatuses(incidentId: number): { id: string; status: ComponentStatus }[] {
    return this.stmt.components.all(incidentId) as { id: string; status: ComponentStatus }[];
  }

  /** Published incidents, newest first, that were open at any time since `since`. */
  publicIncidents(since: number, limit: number, offset: number): Incident[] {
    return (this.stmt.publicIncidents.all(since, limit, offset) as IncidentRow[]).map(toIncident);
  }

  /** Changes whenever anything the public pages show changes (a public update, an incident, a component). */
  publicVersion(): string {
    return this.stmt.publicVersion.get() as string;
  }

  /** Published incidents still open (the incidents_public_open index: never walks the history). */
  publicOpenIncidents(limit: number): Incident[] {
    return (this.stmt.publicOpenIncidents.all(limit) as IncidentRow[]).map(toIncident);
  }

  /** The incident if it was ever published; otherwise nothing, as if it did not exist. */
  publicIncidentById(id: number): Incident | undefined {
    const row = this.stmt.publicById.get(id) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  publicIncidentCount(since: number): number {
    return this.stmt.publicCount.get(since) as number;
  }

  publicUpdates(incidentId: number): IncidentUpdate[] {
    return (this.stmt.publicUpdates.all(incidentId) as UpdateRow[]).map(toUpdate);
  }

  /**
   * The public updates of each of these incidents, newest first (none: an empty list), read a hundred
   * incidents at a time: a read each cost the status page most of its render (a thousand of them for
   * the uptime bars), and one read for a whole page, by a subquery, was planned by PostgreSQL as a
   * walk over every public update even with statistics. (Without them, as right after a bulk load,
   * PostgreSQL walks every public update for this read too, and for `publicUpdates`.)
   */
  publicUpdatesOf(incidentIds: readonly number[]): Map<number, IncidentUpdate[]> {
    const byIncident = new Map<number, IncidentUpdate[]>(incidentIds.map((id) => [id, []]));
    const ids = [...byIncident.keys()];
    for (let from = 0; from < ids.length; from += UPDATES_READ_TOGETHER) {
      const some = ids.slice(from, from + UPDATES_READ_TOGETHER);
      const args = [...some, ...Array<number>(UPDATES_READ_TOGETHER - some.length).fill(0)];
      for (const row of this.stmt.publicUpdatesOfMany.all(...args) as UpdateRow[]) {
        const update = toUpdate(row);
        byIncident.get(update.incidentId)?.push(update);
      }
    }
    return byIncident;
  }

  recentPublicUpdates(limit: number): IncidentUpdate[] {
    return (this.stmt.recentPublicUpdates.all(limit) as UpdateRow[]).map(toUpdate);
  }

  /** Each component's statuses among published, unresolved incidents (the page shows the worst). */
  openComponentStatuses(): { id: string; status: ComponentStatus; updated_at: number }[] {
    return this.stmt.worstOpenComponents.all() as { id: string; status: ComponentStatus; updated_at: number }[];
  }
}
