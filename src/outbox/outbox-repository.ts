import type Database from 'better-sqlite3';
import type { Db } from '../db/open.ts';
import { currentCause, currentTraceparent, type Cause } from '../lib/telemetry.ts';
import type { NewEffect, OutboxHead, OutboxRow } from './types.ts';

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
  traceparent: string | null;
  cause: string | null;
}

function parseCause(text: string | null): Cause | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as Cause;
  } catch {
    return null;
  }
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
  traceparent: r.traceparent,
  cause: parseCause(r.cause),
});

export interface DeadLetter {
  id: number;
  kind: string;
  incidentId: number | null;
  createdAt: number;
  lastError: string | null;
}

export interface UndeliveredRow {
  id: number;
  kind: string;
  incidentId: number | null;
  state: 'pending' | 'dead';
  attempts: number;
  lastError: string | null;
  createdAt: number;
  availableAt: number;
  /** The replica delivering it now (its claim may have lapsed: see `leaseUntil`), if any. */
  claimedBy: string | null;
  leaseUntil: number | null;
}

type HeadRow = Pick<Row, 'id' | 'ordering_key' | 'kind' | 'idempotency_key'>;

/** Rows one delivery settles beside its own at most: the next delivery of the kind takes the rest. */
const COVER_MAX = 100;
/** Rows per INSERT when a change queues many (a declared incident queues a dozen). */
const ENQUEUE_BATCH = 20;

export class OutboxRepository {
  private readonly stmt;
  private readonly inserts = new Map<number, Database.Statement>();

  constructor(readonly db: Db) {
    this.stmt = {
      // The head of each ordering key: a row is only deliverable once every earlier row of its key is settled.
      // The keys with pending rows are walked one index seek each (`keys`), and each key's head is one
      // more: the worker looks after every delivery, and a look that read every pending row made a
      // backlog of one incident (thousands of updates) quadratic to drain, and the acks wait behind it.
      // Ordered and cut in `heads()`: an ORDER BY here makes SQLite read the whole backlog again.
      // Only what choosing a head takes, and the idempotency key that names it: its claim reads the whole
      // row back. Whole rows (each payload's JSON parsed) made a look of 200 heads 2.8× as slow on SQLite
      // (`npm run bench -- outbox-look`).
      heads: db.prepare(`WITH RECURSIVE keys (k) AS (
          SELECT (SELECT min(ordering_key) FROM outbox WHERE state = 'pending')
          UNION ALL
          SELECT (SELECT min(ordering_key) FROM outbox WHERE state = 'pending' AND ordering_key > keys.k)
          FROM keys WHERE keys.k IS NOT NULL
        )
        SELECT o.id, o.ordering_key, o.kind, o.idempotency_key FROM keys JOIN outbox o
          ON o.id = (SELECT p.id FROM outbox p WHERE p.ordering_key = keys.k AND p.state = 'pending'
            ORDER BY p.priority, p.id LIMIT 1)
        WHERE o.available_at <= @now
          AND (o.claimed_by IS NULL OR o.lease_until <= @now OR o.claimed_by = @replica)`),
      // One conditional write decides which replica delivers a row: it must still be pending and due,
      // and free (never claimed, its holder's lease passed, or already ours). It counts the start too
      // (see `OutboxRow.uncertain`), in the same write, and gives the row back: one statement per
      // delivery, where a transaction around the write and a read was three (three round trips to PostgreSQL).
      // Only while it is still its key's head (as `heads` finds it: one index seek): the worker may claim
      // a head read a few looks ago, and a row queued ahead of it since (a room's, priority -1) goes first.
      claim: db.prepare(`UPDATE outbox SET claimed_by = @replica, lease_until = @leaseUntil, starts = starts + 1
        WHERE id = @id AND state = 'pending' AND available_at <= @now
          AND (claimed_by IS NULL OR lease_until <= @now OR claimed_by = @replica)
          AND id = (SELECT p.id FROM outbox p WHERE p.ordering_key = outbox.ordering_key AND p.state = 'pending'
            ORDER BY p.priority, p.id LIMIT 1)
        RETURNING *`),
      // The next row of one key, found and claimed as `claim` claims a head (the worker goes on with a key
      // whose delivery just ended, see `OutboxWorker.chain`): one index seek, one statement. `state` is
      // asked again outside the subquery: PostgreSQL reads the subquery once, and when the row was locked
      // by another replica's settle, checks only this outer condition again once that one commits.
      claimNext: db.prepare(`UPDATE outbox SET claimed_by = @replica, lease_until = @leaseUntil, starts = starts + 1
        WHERE id = (SELECT p.id FROM outbox p WHERE p.ordering_key = @key AND p.state = 'pending'
            ORDER BY p.priority, p.id LIMIT 1)
          AND state = 'pending' AND available_at <= @now
          AND (claimed_by IS NULL OR lease_until <= @now OR claimed_by = @replica)
        RETURNING *`),
      holders: db
        .prepare("SELECT DISTINCT claimed_by FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL")
        .pluck(),
      release: db.prepare("UPDATE outbox SET lease_until = 0 WHERE state = 'pending' AND claimed_by = ?"),
      renew: db.prepare(`UPDATE outbox SET lease_until = @leaseUntil
        WHERE id = @id AND state = 'pending' AND claimed_by = @replica`),
      nextAvailable: db.prepare("SELECT min(available_at) FROM outbox WHERE state = 'pending'").pluck(),
      // Settling is the claim holder's alone: a replica whose lease passed, and whose row another
      // replica took over, must not write its outcome over the other's. Delivered and dead rows keep
      // who settled them; a rescheduled row is free again.
      delivered: db.prepare(`UPDATE outbox SET state = 'delivered', attempts = attempts + 1, result = @result,
        delivered_at = @now, last_error = NULL WHERE id = @id AND state = 'pending' AND claimed_by = @replica`),
      // Rows of one kind queued in one ordering key behind the row being delivered, not claimed by anyone.
      queuedLike: db
        .prepare(
          `SELECT id FROM outbox WHERE ordering_key = @orderingKey AND state = 'pending' AND kind = @kind
          AND incident_id = @incidentId AND id <> @id AND claimed_by IS NULL ORDER BY id LIMIT ${COVER_MAX}`,
        )
        .pluck(),
      // One statement for them all (one round trip to PostgreSQL, under its write lock): the ids in
      // COVER_MAX places, the places left over bound to NULL, which matches no row.
      covered: db.prepare(`UPDATE outbox SET state = 'delivered', result = ?, delivered_at = ?, last_error = NULL
          WHERE state = 'pending' AND claimed_by IS NULL AND id IN (${Array(COVER_MAX).fill('?').join(', ')})`),
      retry: db.prepare(`UPDATE outbox SET attempts = attempts + @attempts, available_at = @availableAt,
          last_error = @error, claimed_by = NULL, lease_until = NULL
        WHERE id = @id AND state = 'pending' AND claimed_by = @replica`),
      dead: db.prepare(`UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = @error
        WHERE id = @id AND state = 'pending' AND claimed_by = @replica`),
      prune: db.prepare("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?"),
      pendingStats: db.prepare(
        "SELECT count(*) AS depth, min(created_at) AS oldest FROM outbox WHERE state = 'pending'",
      ),
      dueBacklog: db.prepare(`SELECT count(*) AS depth, min(available_at) AS oldestDue,
        (SELECT last_error FROM outbox WHERE state = 'pending' AND available_at <= @now AND last_error IS NOT NULL ORDER BY available_at LIMIT 1) AS lastError
        FROM outbox WHERE state = 'pending' AND available_at <= @now`),
      dueDepth: db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND available_at <= ?").pluck(),
      deadCount: db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck(),
      oldestDead:
        db.prepare(`SELECT id, kind, incident_id AS incidentId, created_at AS createdAt, last_error AS lastError
        FROM outbox WHERE state = 'dead' ORDER BY created_at, id LIMIT 1`),
      // Newest first: what an operator looks at is what just broke. The payload stays out (it may hold anything).
      undelivered: db.prepare(`SELECT id, kind, incident_id AS incidentId, state, attempts, last_error AS lastError,
          created_at AS createdAt, available_at AS availableAt, claimed_by AS claimedBy, lease_until AS leaseUntil
        FROM outbox WHERE state IN ('pending', 'dead') AND (@deadOnly = 0 OR state = 'dead')
        ORDER BY id DESC LIMIT @limit`),
      undeliveredCount: db
        .prepare(
          `SELECT count(*) FROM outbox
        WHERE state IN ('pending', 'dead') AND (@deadOnly = 0 OR state = 'dead')`,
        )
        .pluck(),
      deadIds: db.prepare("SELECT id FROM outbox WHERE state = 'dead' ORDER BY id").pluck(),
      stateOf: db.prepare('SELECT state FROM outbox WHERE id = ?').pluck(),
      // The row keeps its idempotency key and its `starts`: an attempt that may have acted before it
      // died still makes the handler look before acting again.
      revive: db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, available_at = ?, last_error = NULL,
          claimed_by = NULL, lease_until = NULL
        WHERE id = ? AND state = 'dead'`),
      byKind: db.prepare(
        'SELECT kind, state, attempts, result, last_error FROM outbox WHERE incident_id = ? ORDER BY id',
      ),
    };
  }

  /**
   * Returns false when a row with the same idempotency key already exists. The row remembers the
   * current trace context and cause (the request whose change queued it): its delivery continues them.
   */
  enqueue(effect: NewEffect, now: number): boolean {
    return this.enqueueAll([effect], now) === 1;
  }

  /**
   * Queues a change's effects in order (ids ascending as listed), skipping any whose idempotency key
   * is already queued, in one INSERT per ENQUEUE_BATCH: a statement weighs about the same whatever
   * its size on a command's ack path. Returns how many rows were added.
   */
  enqueueAll(effects: readonly NewEffect[], now: number): number {
    return this.queueAll(effects, now)();
  }

  /**
   * `enqueueAll`, whose count is asked for only when called: in a transaction on PostgreSQL the
   * INSERT then goes with the COMMIT instead of in a round trip of its own, so a change calls it once
   * committed (rolled back unsent, it counts 0).
   */
  queueAll(effects: readonly NewEffect[], now: number): () => number {
    if (effects.length === 0) return () => 0;
    const cause = currentCause();
    const context = [now, currentTraceparent(), cause ? JSON.stringify(cause) : null] as const;
    const inserts: Array<{ readonly changes: number }> = [];
    for (let from = 0; from < effects.length; from += ENQUEUE_BATCH) {
      const batch = effects.slice(from, from + ENQUEUE_BATCH);
      const values = batch.flatMap((e) => [
        e.orderingKey,
        e.incidentId,
        e.kind,
        JSON.stringify(e.payload),
        e.idempotencyKey,
        e.availableAt ?? now,
        e.priority ?? 0,
        ...context,
      ]);
      inserts.push(this.insertRows(batch.length).run(...values));
    }
    return () => inserts.reduce((added, insert) => added + insert.changes, 0);
  }

  /** The INSERT of `n` rows, prepared the first time a change queues that many. */
  private insertRows(n: number): Database.Statement {
    let statement = this.inserts.get(n);
    if (!statement) {
      statement = this.db.prepare(`INSERT INTO outbox
        (ordering_key, incident_id, kind, payload, idempotency_key, available_at, priority, created_at, traceparent, cause)
        VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
        ON CONFLICT (idempotency_key) DO NOTHING`);
      this.inserts.set(n, statement);
    }
    return statement;
  }

  /**
   * The heads due by `now`, oldest first, at most `limit` (one per ordering key with rows pending), but
   * none of `skipKinds` (whose turn for a rate-limit slot has not come: they wait in the database), and
   * no key whose head another replica than `replica` is delivering: the rows behind it wait for it.
   */
  heads(now: number, limit: number, skipKinds: readonly string[] = [], replica: string | null = null): OutboxHead[] {
    const skip = new Set(skipKinds);
    const due = (this.stmt.heads.all({ now, replica }) as HeadRow[]).filter((r) => !skip.has(r.kind));
    return due
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((r) => ({ id: r.id, orderingKey: r.ordering_key, kind: r.kind, idempotencyKey: r.idempotency_key }));
  }

  nextAvailableAt(): number | null {
    return (this.stmt.nextAvailable.get() as number | null) ?? null;
  }

  /**
   * Takes row `id` for `replica` until `leaseUntil`, if it is still pending, due and free (unclaimed,
   * its lease passed, or already this replica's) and still the head of its ordering key, and counts the
   * start (committed before the effect's API call: see `OutboxRow.uncertain`). Returns the row as it now
   * is, or null when another replica has it, it is no longer waiting or a row is now ahead of it: then
   * nobody here delivers it now.
   */
  claim(id: number, replica: string, now: number, leaseUntil: number): OutboxRow | null {
    const row = this.stmt.claim.get({ id, replica, now, leaseUntil }) as Row | undefined;
    // This start is the one under way; `uncertain` is about the ones before it.
    return row ? toRow({ ...row, starts: row.starts - 1 }) : null;
  }

  /**
   * Takes the head of ordering key `key` for `replica`, as `claim` takes a head it has read: only if it
   * is due and free. Returns it, or null when the key has no row pending, or its head is not due or is
   * another replica's.
   */
  claimNext(key: string, replica: string, now: number, leaseUntil: number): OutboxRow | null {
    const row = this.stmt.claimNext.get({ key, replica, now, leaseUntil }) as Row | undefined;
    return row ? toRow({ ...row, starts: row.starts - 1 }) : null;
  }

  /**
   * Frees at once the rows held by replicas that `gone` says are dead (an earlier life of this process),
   * instead of waiting out their leases. The holder stays on the row, so a late settle from it is
   * still refused and the next delivery still looks first (`starts` counted the attempt). Returns how
   * many rows were freed.
   */
  releaseClaimsOf(gone: (holder: string) => boolean): number {
    let freed = 0;
    for (const holder of this.stmt.holders.all() as string[]) {
      if (gone(holder)) freed += this.stmt.release.run(holder).changes;
    }
    return freed;
  }

  /** Extends a claim still held (a delivery still under way); false when it is no longer ours. */
  renewClaim(id: number, replica: string, leaseUntil: number): boolean {
    return this.stmt.renew.run({ id, replica, leaseUntil }).changes === 1;
  }

  /** Settles a claimed row as delivered; false (nothing written) when the claim is no longer `replica`'s. */
  markDelivered(id: number, result: unknown, now: number, replica: string): boolean {
    const params = { id, replica, now, result: result === undefined ? null : JSON.stringify(result) };
    return this.stmt.delivered.run(params).changes === 1;
  }

  /**
   * The rows of `row`'s kind queued in its ordering key (at most COVER_MAX), unclaimed: for a kind
   * whose delivery renders what is current, the delivery that begins after this read covers them.
   */
  queuedLike(row: OutboxRow): number[] {
    const { orderingKey, kind, incidentId, id } = row;
    if (incidentId === null) return [];
    return this.stmt.queuedLike.all({ orderingKey, kind, incidentId, id }) as number[];
  }

  /** Settles rows that `by`'s delivery covered (see `queuedLike`); those claimed since are left alone. */
  markCovered(ids: readonly number[], by: number, now: number): number {
    if (ids.length === 0) return 0;
    const places = Array.from({ length: COVER_MAX }, (_, i) => ids[i] ?? null);
    return this.stmt.covered.run(JSON.stringify({ covered_by: by }), now, ...places).changes;
  }

  /**
   * Puts a claimed row back, unclaimed, for a later attempt; a rate-limit wait does not count as an
   * attempt. False (nothing written) when the claim is no longer `replica`'s.
   */
  reschedule(id: number, availableAt: number, error: string, countsAsAttempt: boolean, replica: string): boolean {
    const params = { id, replica, availableAt, error, attempts: countsAsAttempt ? 1 : 0 };
    return this.stmt.retry.run(params).changes === 1;
  }

  /** Forgets delivered rows older than `before` (their idempotency keys go with them). */
  pruneDelivered(before: number): number {
    return this.stmt.prune.run(before).changes;
  }

  /** Gives up on a claimed row; false (nothing written) when the claim is no longer `replica`'s. */
  markDead(id: number, error: string, replica: string): boolean {
    return this.stmt.dead.run({ id, replica, error }).changes === 1;
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

  /** The dead row created first (the one given up on the longest), if any. */
  oldestDead(): DeadLetter | null {
    return (this.stmt.oldestDead.get() as DeadLetter | undefined) ?? null;
  }

  /** Rows not delivered (pending and dead, or dead only), newest first, at most `limit`; and how many in all. */
  undelivered(opts: { deadOnly: boolean; limit: number }): { rows: UndeliveredRow[]; total: number } {
    const params = { deadOnly: opts.deadOnly ? 1 : 0, limit: opts.limit };
    return this.db.transaction(() => ({
      rows: this.stmt.undelivered.all(params) as UndeliveredRow[],
      total: this.stmt.undeliveredCount.get(params) as number,
    }))();
  }

  /** The ids of every dead row, oldest first. */
  deadIds(): number[] {
    return this.stmt.deadIds.all() as number[];
  }

  /**
   * Puts dead rows back in the queue as if new (no attempts, due now), all or none in one
   * transaction: if any id is unknown or not dead, nothing changes and the problems are returned.
   * The running worker finds them at its next poll, in order within their ordering key.
   */
  revive(
    ids: number[],
    now: number,
  ): { revived: number[]; unknown: number[]; notDead: { id: number; state: string }[] } {
    const distinct = [...new Set(ids)];
    return this.db
      .transaction(() => {
        const unknown: number[] = [];
        const notDead: { id: number; state: string }[] = [];
        for (const id of distinct) {
          const state = this.stmt.stateOf.get(id) as string | undefined;
          if (state === undefined) unknown.push(id);
          else if (state !== 'dead') notDead.push({ id, state });
        }
        if (unknown.length > 0 || notDead.length > 0) return { revived: [], unknown, notDead };
        for (const id of distinct) this.stmt.revive.run(now, id);
        return { revived: distinct, unknown, notDead };
      })
      .immediate();
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
