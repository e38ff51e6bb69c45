import type { Db } from '../db/open.ts';

/**
 * Signed requests already let through, by signature. A signature is only accepted for a few
 * minutes after it was made, so its row is only needed that long; `prune` forgets older ones.
 */
export class SeenRequestRepository {
  private readonly insert;
  private readonly pruneOld;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO seen_requests (source, signature, signed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.pruneOld = db.prepare('DELETE FROM seen_requests WHERE signed_at < ?');
  }

  /** Records a signature (signed at `signedAt` ms); returns false if it was seen before. */
  firstSeen(source: string, signature: string, signedAt: number): boolean {
    return this.insert.run(source, signature, signedAt).changes === 1;
  }

  /** Forgets signatures made before `before` (ms); returns how many. */
  prune(before: number): number {
    return this.pruneOld.run(before).changes;
  }
}
