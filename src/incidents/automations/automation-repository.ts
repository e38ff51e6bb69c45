import type Database from 'better-sqlite3';
import type { Db } from '../../db/open.ts';

export interface Firing {
  id: number;
  automation: string;
  incidentId: number;
  eventKey: string;
  event: string;
  mode: 'on' | 'dry-run';
  reason: string;
  actions: string[];
  at: number;
  runId: number | null;
}

interface FiringRow {
  id: number;
  automation: string;
  incident_id: number;
  event_key: string;
  event: string;
  mode: 'on' | 'dry-run';
  reason: string;
  actions: string;
  at: number;
  run_id: number | null;
}

const fromRow = (r: FiringRow): Firing => ({
  id: r.id,
  automation: r.automation,
  incidentId: r.incident_id,
  eventKey: r.event_key,
  event: r.event,
  mode: r.mode,
  reason: r.reason,
  actions: JSON.parse(r.actions) as string[],
  at: r.at,
  runId: r.run_id,
});

/** Firings and pauses (migration 026). A firing's key is unique: recording it twice records it once. */
export class AutomationRepository {
  private readonly stmt: Record<string, Database.Statement>;

  constructor(db: Db) {
    this.stmt = {
      insert:
        db.prepare(`INSERT INTO automation_firings (automation, incident_id, event_key, event, mode, reason, actions, at)
        VALUES (@automation, @incidentId, @eventKey, @event, @mode, @reason, @actions, @at)
        ON CONFLICT (automation, incident_id, event_key) DO NOTHING`),
      exists: db.prepare('SELECT 1 FROM automation_firings WHERE automation = ? AND incident_id = ? AND event_key = ?'),
      list: db.prepare('SELECT * FROM automation_firings WHERE incident_id = ? ORDER BY at, id LIMIT ?'),
      get: db.prepare('SELECT * FROM automation_firings WHERE id = ?'),
      setRun: db.prepare('UPDATE automation_firings SET run_id = ? WHERE id = ? AND run_id IS NULL'),
      pause: db.prepare(`INSERT INTO automation_pauses (incident_id, paused_by, paused_at) VALUES (?, ?, ?)
        ON CONFLICT (incident_id) DO NOTHING`),
      resume: db.prepare('DELETE FROM automation_pauses WHERE incident_id = ?'),
      paused: db.prepare('SELECT paused_by AS by, paused_at AS at FROM automation_pauses WHERE incident_id = ?'),
    };
  }

  /** Records a firing; returns its id, or null when this automation already fired for this event. */
  record(f: Omit<Firing, 'id' | 'runId'>): number | null {
    const info = this.stmt.insert!.run({ ...f, actions: JSON.stringify(f.actions) });
    return info.changes === 0 ? null : Number(info.lastInsertRowid);
  }

  fired(automation: string, incidentId: number, eventKey: string): boolean {
    return this.stmt.exists!.get(automation, incidentId, eventKey) !== undefined;
  }

  list(incidentId: number, limit = 200): Firing[] {
    return (this.stmt.list!.all(incidentId, limit) as FiringRow[]).map(fromRow);
  }

  get(id: number): Firing | undefined {
    const row = this.stmt.get!.get(id) as FiringRow | undefined;
    return row && fromRow(row);
  }

  /** The run a firing started; false when one was recorded already. */
  setRun(firingId: number, runId: number): boolean {
    return this.stmt.setRun!.run(runId, firingId).changes > 0;
  }

  pause(incidentId: number, by: string, at: number): boolean {
    return this.stmt.pause!.run(incidentId, by, at).changes > 0;
  }

  resume(incidentId: number): boolean {
    return this.stmt.resume!.run(incidentId).changes > 0;
  }

  paused(incidentId: number): { by: string; at: number } | undefined {
    return this.stmt.paused!.get(incidentId) as { by: string; at: number } | undefined;
  }
}
