import type { Db } from '../db/open.ts';
import type { NewEffect, OutboxRow } from './types.ts';

interface Row {
  id: number;
  ordering_key: string;
  incident_id: number | null;
  kind: string;
  payload: string;
  idempotency_key: string;
  attempts: number;
  available_at: number;
  created_at: number;
  starts: number;
}

const toRow = (r: Row): OutboxRow => ({
  id: r.id,
  orderingKey: r.ordering_key,
  incidentId: r.incident_id,
  kind: r.kind,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  idempotencyKey: r.idempotency_key,
  attempts: r.attempts,
  availableAt: r.available_at,
  createdAt: r.created_at,
  uncertain: r.starts > 0,
});

export class OutboxRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      enqueue: db.prepare(`INSERT INTO outbox
        (ordering_key, incident_id, kind, payload, idempotency_key, available_at, created_at, priority)
        VALUES (@orderingKey, @incidentId, @kind, @payload, @idempotencyKey, @availableAt, @now, @priority)
        ON CONFLICT (idempotency_key) DO NOTHING`),
      // The head of each ordering key: a row is only deliverable once every earlier row of its key is settled.
      heads: db.prepare(`SELECT o.* FROM outbox o
        WHERE o.state = 'pending'
          AND o.id = (SELECT p.id FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.state = 'pending' ORDER BY p.priority, p.id LIMIT 1)
          AND o.available_at <= ?
        ORDER BY o.id LIMIT ?`),
      nextAvailable: db.prepare("SELECT min(available_at) FROM outbox WHERE state = 'pending'").pluck(),
      delivered: db.prepare(`UPDATE outbox SET state = 'delivered', attempts = attempts + 1, result = ?,
        delivered_at = ?, last_error = NULL WHERE id = ?`),
      retry: db.prepare('UPDATE outbox SET attempts = attempts + ?, available_at = ?, last_error = ? WHERE id = ?'),
      dead: db.prepare("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?"),
      started: db.prepare('UPDATE outbox SET starts = starts + 1 WHERE id = ?'),
      prune: db.prepare("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?"),
      pendingStats: db.prepare(
        "SELECT count(*) AS depth, min(created_at) AS oldest FROM outbox WHERE state = 'pending'",
      ),
      dueBacklog: db.prepare(`SELECT count(*) AS depth, min(available_at) AS oldestDue,
        (SELECT last_error FROM outbox WHERE state = 'pending' AND available_at <= @now AND last_error IS NOT NULL ORDER BY available_at LIMIT 1) AS lastError
        FROM outbox WHERE state = 'pending' AND available_at <= @now`),
      dueDepth: db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND available_at <= ?").pluck(),
      deadCount: db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck(),
      byKind: db.prepare(
        'SELECT kind, state, attempts, result, last_error FROM outbox WHERE incident_id = ? ORDER BY id',
      ),
    };
  }

  /** Returns false when a row with the same idempotency key already exists. */
  enqueue(effect: NewEffect, now: number): boolean {
    const info = this.stmt.enqueue.run({
      ...effect,
      payload: JSON.stringify(effect.payload),
      availableAt: effect.availableAt ?? now,
      now,
      priority: effect.priority ?? 0,
    });
    return info.changes === 1;
  }

  heads(now: number, limit: number): OutboxRow[] {
    return (this.stmt.heads.all(now, limit) as Row[]).map(toRow);
  }

  nextAvailableAt(): number | null {
    return (this.stmt.nextAvailable.get() as number | null) ?? null;
  }

  markDelivered(id: number, result: unknown, now: number): void {
    this.stmt.delivered.run(result === undefined ? null : JSON.stringify(result), now, id);
  }

  /** Puts a row back for a later attempt; a rate-limit wait does not count as an attempt. */
  reschedule(id: number, availableAt: number, error: string, countsAsAttempt: boolean): void {
    this.stmt.retry.run(countsAsAttempt ? 1 : 0, availableAt, error, id);
  }

  /** Recorded (and committed) before the effect's API call: see `OutboxRow.uncertain`. */
  markStarted(id: number): void {
    this.stmt.started.run(id);
  }

  /** Forgets delivered rows older than `before` (their idempotency keys go with them). */
  pruneDelivered(before: number): number {
    return this.stmt.prune.run(before).changes;
  }

  markDead(id: number, error: string): void {
    this.stmt.dead.run(error, id);
  }

  pendingStats(): { depth: number; oldest: number | null } {
    return this.stmt.pendingStats.get() as { depth: number; oldest: number | null };
  }

  /** What is due and not delivered: how many, since when, and the last error among them. */
  dueBacklog(now: number): { depth: number; oldestDue: number | null; lastError: string | null } {
    return this.stmt.dueBacklog.get({ now }) as { depth: number; oldestDue: number | null; lastError: string | null };
  }

  /** Effects given up on. */
  deadCount(): number {
    return this.stmt.deadCount.get() as number;
  }

  /** Rows waiting to go out now (scheduled ones, like a later archive, are not counted). */
  dueDepth(now: number): number {
    return this.stmt.dueDepth.get(now) as number;
  }

  forIncident(
    incidentId: number,
  ): { kind: string; state: string; attempts: number; result: string | null; last_error: string | null }[] {
    return this.stmt.byKind.all(incidentId) as never;
  }
}
