import type { Db } from '../db/open.ts';

/** Deliveries already seen, so that a retried webhook or event is a no-op. */
export class InboxRepository {
  private readonly insert;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO inbox (source, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
  }

  /** Records a delivery; returns false if it was seen before. Call inside the transaction that acts on it. */
  firstSeen(source: string, deliveryId: string, now: number): boolean {
    return this.insert.run(source, deliveryId, now).changes === 1;
  }
}
