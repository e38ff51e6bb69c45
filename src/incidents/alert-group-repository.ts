import type { Db } from '../db/open.ts';

export type AlertStatus = 'firing' | 'resolved';

/** All SQL about alert groups: which incident a group opened, and the last status of each of its alerts. */
export class AlertGroupRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      open: db.prepare(`SELECT g.incident_id AS id FROM alert_groups g JOIN incidents i ON i.id = g.incident_id
        WHERE g.group_key = ? AND i.status <> 'resolved' ORDER BY g.incident_id DESC LIMIT 1`),
      insert: db.prepare('INSERT INTO alert_groups (incident_id, group_key, opened_at) VALUES (?, ?, ?)'),
      status: db.prepare('SELECT status FROM alert_group_alerts WHERE incident_id = ? AND fingerprint = ?'),
      set: db.prepare(`INSERT INTO alert_group_alerts (incident_id, fingerprint, name, status, updated_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`),
      firing: db.prepare(`SELECT count(*) AS n FROM alert_group_alerts WHERE incident_id = ? AND status = 'firing'`),
    };
  }

  /** The open incident the group opened, if any (the newest, should there ever be two). */
  openIncident(groupKey: string): number | undefined {
    return (this.stmt.open.get(groupKey) as { id: number } | undefined)?.id;
  }

  opened(incidentId: number, groupKey: string, at: number): void {
    this.stmt.insert.run(incidentId, groupKey, at);
  }

  /** The status last heard for an alert of the incident's group; undefined for an alert not heard of. */
  status(incidentId: number, fingerprint: string): AlertStatus | undefined {
    return (this.stmt.status.get(incidentId, fingerprint) as { status: AlertStatus } | undefined)?.status;
  }

  setStatus(incidentId: number, alert: { fingerprint: string; name: string; status: AlertStatus }, at: number): void {
    this.stmt.set.run(incidentId, alert.fingerprint, alert.name, alert.status, at);
  }

  /** How many of the incident's alerts were last heard firing. */
  firingCount(incidentId: number): number {
    return (this.stmt.firing.get(incidentId) as { n: number }).n;
  }
}
