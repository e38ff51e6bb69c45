import { AsyncResource } from 'node:async_hooks';
import type { Db } from './sqlite-driver.ts';
import { storageProblem } from './storage-error.ts';

interface Queued {
  write: () => unknown;
  /** The async context it was queued from. */
  scope: AsyncResource;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type GroupCommit = <T>(write: () => T) => Promise<T>;

/**
 * Commits the writes queued in one event-loop turn together, in as few transactions as the budget
 * allows: a commit costs far more than a small write, and a burst of webhooks arrives many to a turn.
 * Each write still stands alone (a savepoint each: one that throws is undone and rejects by itself),
 * and each promise settles only once its transaction is committed, so whoever answers "recorded"
 * after awaiting it tells the truth. When a commit fails nothing of that transaction is kept and each
 * of its writes rejects (with `failure(error)` when that classifies it, e.g. a full disk).
 *
 * A transaction takes writes until `maxBatchMs` (default 10 ms) has passed since it began (on
 * PostgreSQL once it holds the replicas' write lock; at least one write each; the last may run past
 * it), then commits; the rest go first in the next turn's (10 ms: shorter turns of the lock let the
 * replicas' deliveries start sooner in a burst, and cost PostgreSQL's ingest rate a little; measured
 * in bench/README.md).
 * A write costs tens of microseconds on SQLite, so a burst's turn fits in one; on PostgreSQL a
 * write is a dozen or more round trips under the replicas' write lock, and a burst of 200 pages in
 * one transaction held that lock, and this process's event loop, for about a second: no delivery
 * started and no other replica wrote until it committed.
 */
export function groupCommit(
  db: Db,
  opts: { failure?: (error: unknown) => Error | undefined; maxBatchMs?: number } = {},
): GroupCommit {
  const maxBatchMs = opts.maxBatchMs ?? 10;
  let queue: Queued[] = [];
  /** How many of the batch in hand have been started: those the transaction's fate is theirs. */
  let started = 0;
  // Made once: better-sqlite3 nests a transaction inside another as a savepoint.
  const alone = db.transaction((write: () => unknown) => write());
  const together = db.transaction((batch: Queued[]) => {
    // From here, not from before BEGIN: time spent waiting for another replica's lock (taken before
    // this runs: see `immediate` below) is not this transaction's, and counting it would leave a write
    // a transaction when the lock is contended.
    const until = performance.now() + maxBatchMs;
    const settled: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    for (const item of batch) {
      if (started > 0 && performance.now() >= until) break;
      started++;
      try {
        settled.push({ ok: true, value: item.scope.runInAsyncScope(alone, null, item.write) });
      } catch (error) {
        // SQLite rolled the whole transaction back (e.g. disk full): the rest must not run outside it.
        // The connection was lost with the transaction on it (PostgreSQL unreachable): the batch is
        // refused with that failure, and what has not run goes in the next turn's. Other failures (a
        // lock wait, a full disk on PostgreSQL) are undone by the write's savepoint and refuse it alone.
        if (!db.inTransaction || storageProblem(error) === 'unreachable') throw error;
        settled.push({ ok: false, error });
      }
    }
    return settled;
  });
  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    started = 0;
    let settled: ReturnType<typeof together> | undefined;
    let failure: unknown;
    try {
      // BEGIN IMMEDIATE on SQLite, BEGIN with the replicas' write lock at once on PostgreSQL: a lock
      // that cannot be had refuses the whole batch before any write runs.
      settled = together.immediate(batch);
    } catch (error) {
      failure = opts.failure?.(error) ?? error;
      // It never began (BEGIN, or the lock, refused): the storage refuses the whole batch.
      if (started === 0) started = batch.length;
    }
    const ran = batch.slice(0, started);
    if (settled) settled.forEach((s, i) => (s.ok ? ran[i]!.resolve(s.value) : ran[i]!.reject(s.error)));
    else for (const item of ran) item.reject(failure);
    // What the budget left (or a failed commit never ran) goes first in the next turn, after what is
    // waiting now (requests, deliveries). A write that queued another has a flush set already. After a
    // full disk they are refused one transaction a turn, each with the storage's own error.
    if (started < batch.length) {
      if (queue.length === 0) setImmediate(flush);
      queue = [...batch.slice(started), ...queue];
    }
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
