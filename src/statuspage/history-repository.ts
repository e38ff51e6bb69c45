import type { Db } from '../db/open.ts';
import type { ComponentStatus } from '../incidents/types.ts';

export interface StatusChange {
  componentId: string;
  status: ComponentStatus;
  at: number;
}

/** All SQL about the history of components' public statuses. */
export class ComponentHistoryRepository {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      add: db.prepare('INSERT INTO component_status_history (component_id, status, at) VALUES (?, ?, ?)'),
      // By id, not time: two changes may share a millisecond.
      latest: db.prepare(`SELECT component_id AS componentId, status, at FROM component_status_history
        WHERE id IN (SELECT max(id) FROM component_status_history GROUP BY component_id)`),
      since: db.prepare(`SELECT component_id AS componentId, status, at FROM component_status_history
        WHERE at >= ? ORDER BY at, id`),
      // The row in force at `since` for each component: its last change before then.
      before: db.prepare(`SELECT h.component_id AS componentId, h.status, h.at FROM component_status_history h
        WHERE h.id = (SELECT id FROM component_status_history WHERE component_id = h.component_id AND at < ?
        ORDER BY at DESC, id DESC LIMIT 1)`),
    };
  }

  add(change: StatusChange): number {
    return Number(this.stmt.add.run(change.componentId, change.status, change.at).lastInsertRowid);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Each component's latest recorded status. */
  latest(): StatusChange[] {
    return this.stmt.latest.all() as StatusChange[];
  }

  /** The changes from `since` on, oldest first, with each component's status in force at `since` first. */
  window(since: number): StatusChange[] {
    return [...(this.stmt.before.all(since) as StatusChange[]), ...(this.stmt.since.all(since) as StatusChange[])];
  }
}
