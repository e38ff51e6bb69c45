import { AsyncResource } from 'node:async_hooks';
import type { Db } from './sqlite-driver.ts';

interface Queued {
  write: () => unknown;
  /** The async context it was queued from. */
  scope: AsyncResource;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type GroupCommit = <T>(write: () => T) => Promise<T>;

/**
 * Commits the writes queued in one event-loop turn in one transaction: a commit costs far more than
 * a small write, and a burst of webhooks arrives many to a turn. Each write still stands alone (a
 * savepoint each: one that throws is undone and rejects by itself), and each promise settles only
 * once the turn's commit is done, so whoever answers "recorded" after awaiting it tells the truth.
 * When the commit itself fails nothing of the turn is kept and every write rejects (with
 * `failure(error)` when that classifies it, e.g. a full disk).
 */
export function groupCommit(db: Db, opts: { failure?: (error: unknown) => Error | undefined } = {}): GroupCommit {
  let queue: Queued[] = [];
  // Made once: better-sqlite3 nests a transaction inside another as a savepoint.
  const alone = db.transaction((write: () => unknown) => write());
  const together = db.transaction((batch: Queued[]) =>
    batch.map((item) => {
      try {
        return { ok: true as const, value: item.scope.runInAsyncScope(alone, null, item.write) };
      } catch (error) {
        // SQLite rolled the whole transaction back (e.g. disk full): the rest must not run outside it.
        if (!db.inTransaction) throw error;
        return { ok: false as const, error };
      }
    }),
  );
  const flush = () => {
    const batch = queue;
    queue = [];
    let settled;
    try {
      settled = together(batch);
    } catch (error) {
      const refused = opts.failure?.(error) ?? error;
      for (const item of batch) item.reject(refused);
      return;
    }
    settled.forEach((s, i) => (s.ok ? batch[i]!.resolve(s.value) : batch[i]!.reject(s.error)));
  };
  return <T>(write: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      // Run in the caller's async context (its trace span, the cause its effects remember). Not
      // `AsyncResource.bind`, which costs a deprecation wrapper per call.
      const scope = new AsyncResource('incident-bot.group-commit');
      queue.push({ write, scope, resolve: resolve as (value: unknown) => void, reject });
    });
}
