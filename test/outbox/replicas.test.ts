import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxList } from '../../src/cli/outbox.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { openTestDatabase, storageAt } from '../helpers/test-database.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { replicaId } from '../../src/app/replica-id.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import type { OutboxRow } from '../../src/outbox/types.ts';
import { OutboxWorker, type EffectHandler } from '../../src/outbox/worker.ts';
import { effect } from '../helpers/outbox-effect.ts';
import { eventually } from '../helpers/eventually.ts';

/** What the far side saw, in the order it happened (one JavaScript thread: the order is exact). */
interface Event {
  what: 'start' | 'end';
  replica: string;
  key: string;
  n: number;
  uncertain: boolean;
}

const LEASE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outbox workers of several replicas on one database', () => {
  let dir: string;
  let dbPath: string;
  let clock: number;
  const replicas: { db: Db; worker: OutboxWorker }[] = [];
  const events: Event[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'incident-bot-replicas-'));
    dbPath = join(dir, 'bot.db');
    clock = 1_000_000;
    events.length = 0;
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      await r.worker.stop(0);
      r.db.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * One replica: its own connection to the shared file, its own id and worker. `hold(row)` returns a
   * promise the delivery waits for (the far side answering), or undefined to answer at once.
   */
  function replica(name: string, hold: (row: OutboxRow) => Promise<unknown> | undefined = () => undefined) {
    const db = openTestDatabase(dbPath);
    migrate(db);
    const repo = new OutboxRepository(db);
    const id = `${name}-${replicaId()}`;
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('debug', { write: (line: string) => logs.push(JSON.parse(line)) });
    const handler: EffectHandler = {
      lane: 'test:call',
      async deliver(row) {
        const at = { replica: name, key: row.orderingKey, n: row.payload.n as number, uncertain: row.uncertain };
        events.push({ what: 'start', ...at });
        await (hold(row) ?? sleep(1));
        events.push({ what: 'end', ...at });
        return { result: { by: name } };
      },
      classify: () => ({ type: 'transient' }),
    };
    const worker = new OutboxWorker({
      repo,
      handlers: { 'test.effect': handler },
      logger,
      now: () => clock,
      concurrency: 2,
      maxAttempts: 5,
      pollMs: 10,
      replica: id,
      leaseMs: LEASE_MS,
    });
    replicas.push({ db, worker });
    return { id, db, repo, worker, logs };
  }

  it('deliver every row exactly once, and never a row of a key while another replica holds an earlier one', async () => {
    const a = replica('a', (row) => (row.orderingKey.startsWith('slow') ? sleep(15) : undefined));
    const b = replica('b', (row) => (row.orderingKey.startsWith('slow') ? sleep(15) : undefined));
    const keys = ['slow-1', 'slow-2', 'fast-1', 'fast-2', 'fast-3', 'fast-4'];
    const perKey = 6;
    for (let n = 0; n < perKey; n++) for (const key of keys) a.repo.enqueue(effect(key, n), clock);

    a.worker.start();
    b.worker.start();
    await eventually(
      () => a.repo.dueDepth(clock) === 0 && a.worker.inFlightCount === 0 && b.worker.inFlightCount === 0,
      10_000,
      'the queue drained',
    );

    const starts = events.filter((e) => e.what === 'start');
    expect(starts).toHaveLength(keys.length * perKey);
    expect(new Set(starts.map((e) => `${e.key}:${e.n}`)).size).toBe(keys.length * perKey);
    expect(new Set(starts.map((e) => e.replica))).toEqual(new Set(['a', 'b']));
    for (const key of keys) {
      // Per key: start n, end n, start n + 1 … whichever replica delivers each.
      const ofKey = events.filter((e) => e.key === key).map((e) => `${e.what} ${e.n}`);
      expect(ofKey).toEqual(Array.from({ length: perKey }, (_, n) => [`start ${n}`, `end ${n}`]).flat());
    }
    expect(starts.every((e) => !e.uncertain)).toBe(true);
  });

  it("take over a dead replica's row once its lease has passed: the delivery looks first, the dead one's settle is dropped", async () => {
    let answerA: (() => void) | undefined;
    const a = replica('a', () => new Promise<void>((resolve) => (answerA = resolve)));
    a.repo.enqueue(effect('incident:1', 0), clock);
    a.repo.enqueue(effect('incident:1', 1), clock);
    a.worker.start();
    await eventually(() => answerA, 10_000, "a's delivery to begin");
    await a.worker.stop(0); // "dies": its delivery is never settled

    const b = replica('b');
    // Within a's lease the key is a's: b delivers neither its first row nor the one behind it.
    expect(b.repo.heads(clock, 10, [], b.id)).toEqual([]);
    b.worker.start();
    await sleep(50);
    expect(events.filter((e) => e.replica === 'b')).toEqual([]);

    clock += LEASE_MS + 1;
    await eventually(() => b.repo.dueDepth(clock) === 0 && b.worker.inFlightCount === 0, 10_000, 'b to deliver both');
    expect(events.filter((e) => e.replica === 'b' && e.what === 'start')).toEqual([
      { what: 'start', replica: 'b', key: 'incident:1', n: 0, uncertain: true },
      { what: 'start', replica: 'b', key: 'incident:1', n: 1, uncertain: false },
    ]);

    // a's answer comes back after all: what it would write is refused, b's outcome stands.
    answerA!();
    const id = b.db.prepare("SELECT id FROM outbox WHERE idempotency_key = 'incident:1:0'").pluck().get() as number;
    expect(a.repo.markDelivered(id, { by: 'a' }, clock, a.id)).toBe(false);
    expect(a.repo.reschedule(id, clock, 'late', true, a.id)).toBe(false);
    expect(a.repo.markDead(id, 'late', a.id)).toBe(false);
    expect(b.db.prepare('SELECT state, result, last_error AS error FROM outbox WHERE id = ?').get(id)).toEqual({
      state: 'delivered',
      result: JSON.stringify({ by: 'b' }),
      error: null,
    });
  });

  it("drop a stalled replica's late outcome, with a warning naming the row, rather than write over the other's", async () => {
    let answerA: (() => void) | undefined;
    const a = replica('a', () => new Promise<void>((resolve) => (answerA = resolve)));
    a.repo.enqueue(effect('incident:2', 0), clock);
    a.worker.start();
    await eventually(() => answerA, 10_000, "a's delivery to begin");

    // a is alive but its call outlived the lease (a process paused, a network stalled): b takes the row over.
    clock += LEASE_MS + 1;
    const b = replica('b');
    b.worker.start();
    await eventually(() => b.repo.dueDepth(clock) === 0 && b.worker.inFlightCount === 0, 10_000, 'b to deliver');

    answerA!();
    await eventually(() => a.worker.inFlightCount === 0, 10_000, "a's delivery to end");
    const row = b.db.prepare('SELECT id, state, result FROM outbox').get() as { id: number };
    expect(row).toEqual({ id: row.id, state: 'delivered', result: JSON.stringify({ by: 'b' }) });
    expect(a.logs.filter((l) => l.event === 'outbox.claim_lost')).toMatchObject([{ level: 40, outbox_id: row.id }]);
    expect(a.logs.some((l) => l.event === 'outbox.delivered')).toBe(false);
  });

  it('show who holds a pending row and until when in `outbox list`', () => {
    const a = replica('a');
    a.repo.enqueue(effect('incident:3', 0), clock);
    a.repo.enqueue(effect('incident:4', 0), clock);
    a.repo.enqueue(effect('incident:5', 0), clock);
    const [held, , lapsed] = a.repo.heads(clock, 3);
    expect(a.repo.claim(held!.id, a.id, clock, clock + LEASE_MS)).not.toBeNull();
    expect(a.repo.claim(lapsed!.id, 'gone-1-cafe', clock, clock - 1)).not.toBeNull();

    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), interactive: false };
    expect(outboxList(storageAt(dbPath), [], { ...io, ask: () => Promise.resolve(false), now: () => clock })).toBe(0);
    expect(out[0]).toMatch(/\bclaimed by\s+lease until\s+last error$/);
    const line = (id: number) => out.find((l) => l.startsWith(`${id} `))!;
    expect(line(held!.id)).toMatch(new RegExp(`pending .* ${a.id}\\s+1970-01-01 00:17:40Z\\s+-$`));
    expect(line(held!.id + 1)).toMatch(/pending\s+0\s+\S+ \S+\s+\S+ \S+\s+-\s+-\s+-$/);
    expect(line(lapsed!.id)).toMatch(/ gone-1-cafe\s+1970-01-01 00:16:39Z \(passed\)\s+-$/);
  });

  it("claim a key's next row by the key alone only when it is due and free, as a head is claimed", () => {
    const a = replica('a');
    a.repo.enqueue(effect('a', 1), clock);
    a.repo.enqueue(effect('a', 2), clock);
    a.repo.enqueue(effect('b', 1, { availableAt: clock + 500 }), clock);
    const first = a.repo.claimNext('a', 'replica-a', clock + 100, clock + 1_000);
    expect(first).toMatchObject({ idempotencyKey: 'a:1', uncertain: false, payload: { n: 1 } });
    // Its holder may take it again (a delivery it gave up on); another replica not until the lease passes.
    expect(a.repo.claimNext('a', 'replica-b', clock + 200, clock + 1_200)).toBeNull();
    expect(a.repo.claimNext('a', 'replica-b', clock + 1_000, clock + 2_000)).toMatchObject({
      idempotencyKey: 'a:1',
      uncertain: true,
    });
    expect(a.repo.markDelivered(first!.id, 10_000, clock + 1_000, 'replica-b')).toBe(true);
    // A room queued ahead of what waits (priority -1) goes first.
    a.repo.enqueue(effect('a', 0, { priority: -1 }), clock + 1_000);
    expect(a.repo.claimNext('a', 'replica-a', clock + 1_000, clock + 2_000)).toMatchObject({ idempotencyKey: 'a:0' });
    // Not due yet, and a key with nothing pending: nothing.
    expect(a.repo.claimNext('b', 'replica-a', clock + 400, clock + 1_400)).toBeNull();
    expect(a.repo.claimNext('c', 'replica-a', clock + 400, clock + 1_400)).toBeNull();
    expect(a.repo.claimNext('b', 'replica-a', clock + 500, clock + 1_500)).toMatchObject({ idempotencyKey: 'b:1' });
  });

  it('free at once the rows an earlier life of this process held, and only those, when told which are gone', () => {
    const a = replica('a');
    for (const key of ['incident:1', 'incident:2', 'incident:3']) a.repo.enqueue(effect(key, 0), clock);
    const [mine, other, live] = a.repo.heads(clock, 3);
    a.repo.claim(mine!.id, 'host:101:aaaaaa', clock, clock + LEASE_MS);
    a.repo.claim(other!.id, 'host:102:bbbbbb', clock, clock + LEASE_MS);
    a.repo.claim(live!.id, 'host:103:cccccc', clock, clock + LEASE_MS);

    expect(a.repo.releaseClaimsOf((holder) => holder.startsWith('host:101:') || holder.startsWith('host:102:'))).toBe(
      2,
    );

    // Free now, not after the lease; the row a live replica holds stays its own.
    expect(a.repo.heads(clock, 3, [], a.id).map((r) => r.id)).toEqual([mine!.id, other!.id]);
    const taken = a.repo.claim(mine!.id, a.id, clock, clock + LEASE_MS);
    expect(taken?.uncertain).toBe(true);
    expect(a.repo.markDelivered(mine!.id, null, clock, 'host:101:aaaaaa')).toBe(false);
    expect(a.repo.claim(live!.id, a.id, clock, clock + LEASE_MS)).toBeNull();
  });
});
