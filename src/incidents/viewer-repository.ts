import type { Db } from '../db/open.ts';
import type { UserRef } from './types.ts';

/** All SQL about the people who look at the overview of open incidents (the Home tab in chat). */
export class ViewerRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      seen: db.prepare(`INSERT INTO overview_viewers (user_id, seen_at) VALUES (?, ?)
        ON CONFLICT (user_id) DO UPDATE SET seen_at = excluded.seen_at`),
      seenSince: db.prepare('SELECT 1 FROM overview_viewers WHERE user_id = ? AND seen_at >= ?'),
      since: db.prepare(
        'SELECT user_id AS userId FROM overview_viewers WHERE seen_at >= ? ORDER BY seen_at DESC LIMIT ?',
      ),
    };
  }

  seen(user: UserRef, at: number): void {
    this.stmt.seen.run(user, at);
  }

  /** Whether `user` has looked at the overview since `at`. */
  seenSince(user: UserRef, at: number): boolean {
    return this.stmt.seenSince.get(user, at) !== undefined;
  }

  /** The most recent viewers since `at`, at most `limit` of them. */
  since(at: number, limit: number): UserRef[] {
    return (this.stmt.since.all(at, limit) as { userId: string }[]).map((r) => r.userId);
  }
}
