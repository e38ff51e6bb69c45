import type { Db } from '../db/open.ts';

/** Deliveries already seen, so that a retried webhook or event is a no-op. */
export class InboxRepository {
  private readonly insert;
  private readonly pruneOld;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO inbox (source, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.pruneOld = db.prepare('DELETE FROM inbox WHERE received_at < ?');
  }

  /** Forgets deliveries seen before `before` (ms); returns how many. */
  prune(before: number): number {
    return this.pruneOld.run(before).changes;
  }

  /** Records a delivery; returns false if it was seen before. Call inside the transaction that acts on it. */
  firstSeen(source: string, deliveryId: string, now: number): boolean {
    return this.insert.run(source, deliveryId, now).changes === 1;
  }
}
