import type { Db } from '../db/open.ts';
import type { Maintenance, MaintenanceStatus, MaintenanceUpdate } from './maintenance-types.ts';

interface MaintenanceRow {
  id: number;
  name: string;
  status: MaintenanceStatus;
  scheduled_for: number;
  scheduled_until: number;
  components: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  statuspage_id: string | null;
  wants_channel: number;
  channel_id: string | null;
}

const toMaintenance = (r: MaintenanceRow): Maintenance => ({
  id: r.id,
  name: r.name,
  status: r.status,
  scheduledFor: r.scheduled_for,
  scheduledUntil: r.scheduled_until,
  components: JSON.parse(r.components) as string[],
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  statuspageId: r.statuspage_id,
  wantsChannel: r.wants_channel === 1,
  channelId: r.channel_id,
});

/** All SQL about maintenance windows and what was said about them. */
export class MaintenanceRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      add: db.prepare(`INSERT INTO maintenances (name, status, scheduled_for, scheduled_until, components, created_by,
        created_at, updated_at, wants_channel)
        VALUES (@name, 'scheduled', @scheduledFor, @scheduledUntil, @components, @createdBy, @at, @at, @wantsChannel)`),
      setChannel: db.prepare('UPDATE maintenances SET channel_id = ?, channel_name = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM maintenances WHERE id = ?'),
      setStatus: db.prepare(`UPDATE maintenances SET status = @status, updated_at = @at,
        started_at = CASE WHEN @status = 'in_progress' THEN @at ELSE started_at END,
        completed_at = CASE WHEN @status = 'completed' THEN @at ELSE completed_at END WHERE id = @id`),
      setStatuspageId: db.prepare('UPDATE maintenances SET statuspage_id = ? WHERE id = ?'),
      open: db.prepare(`SELECT * FROM maintenances WHERE status <> 'completed' ORDER BY scheduled_for, id`),
      recent: db.prepare('SELECT * FROM maintenances ORDER BY scheduled_for DESC, id DESC LIMIT ?'),
      addUpdate: db.prepare(
        'INSERT INTO maintenance_updates (maintenance_id, status, body, at) VALUES (@maintenanceId, @status, @body, @at)',
      ),
      updates: db.prepare('SELECT * FROM maintenance_updates WHERE maintenance_id = ? ORDER BY at DESC, id DESC'),
      update: db.prepare('SELECT * FROM maintenance_updates WHERE id = ?'),
      recentUpdates: db.prepare('SELECT * FROM maintenance_updates ORDER BY at DESC, id DESC LIMIT ?'),
      version: db
        .prepare(
          `SELECT coalesce((SELECT max(updated_at) FROM maintenances), 0) || ':' ||
          coalesce((SELECT max(id) FROM maintenance_updates), 0)`,
        )
        .pluck(),
    };
  }

  add(
    m: Pick<Maintenance, 'name' | 'scheduledFor' | 'scheduledUntil' | 'components' | 'createdBy' | 'wantsChannel'>,
    at: number,
  ) {
    const { name, scheduledFor, scheduledUntil, createdBy } = m;
    const row = { name, scheduledFor, scheduledUntil, createdBy, components: JSON.stringify(m.components), at };
    return Number(this.stmt.add.run({ ...row, wantsChannel: m.wantsChannel ? 1 : 0 }).lastInsertRowid);
  }

  /** The Slack channel opened for the window (asked for when it was scheduled). */
  setChannel(id: number, channelId: string, name: string): void {
    this.stmt.setChannel.run(channelId, name, id);
  }

  get(id: number): Maintenance | undefined {
    const row = this.stmt.get.get(id) as MaintenanceRow | undefined;
    return row && toMaintenance(row);
  }

  setStatus(id: number, status: MaintenanceStatus, at: number): void {
    this.stmt.setStatus.run({ id, status, at });
  }

  setStatuspageId(id: number, statuspageId: string): void {
    this.stmt.setStatuspageId.run(statuspageId, id);
  }

  /** Windows not completed yet, soonest first (few: uses the maintenances_open index). */
  open(): Maintenance[] {
    return (this.stmt.open.all() as MaintenanceRow[]).map(toMaintenance);
  }

  /** The latest windows by start, whatever their status. */
  recent(limit: number): Maintenance[] {
    return (this.stmt.recent.all(limit) as MaintenanceRow[]).map(toMaintenance);
  }

  addUpdate(u: Omit<MaintenanceUpdate, 'id'>): number {
    return Number(this.stmt.addUpdate.run(u).lastInsertRowid);
  }

  /** What was said about a window, newest first. */
  updates(maintenanceId: number): MaintenanceUpdate[] {
    return (this.stmt.updates.all(maintenanceId) as UpdateRow[]).map(toUpdate);
  }

  getUpdate(id: number): MaintenanceUpdate | undefined {
    const row = this.stmt.update.get(id) as UpdateRow | undefined;
    return row && toUpdate(row);
  }

  recentUpdates(limit: number): MaintenanceUpdate[] {
    return (this.stmt.recentUpdates.all(limit) as UpdateRow[]).map(toUpdate);
  }

  /** Changes whenever anything public about maintenances changes (for the status page's cache). */
  version(): string {
    return this.stmt.version.get() as string;
  }
}

interface UpdateRow {
  id: number;
  maintenance_id: number;
  status: MaintenanceStatus;
  body: string;
  at: number;
}
const toUpdate = (r: UpdateRow): MaintenanceUpdate => ({
  id: r.id,
  maintenanceId: r.maintenance_id,
  status: r.status,
  body: r.body,
  at: r.at,
});
