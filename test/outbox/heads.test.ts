import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import type { NewEffect } from '../../src/outbox/types.ts';
import { effect } from '../helpers/outbox-effect.ts';

describe('the outbox heads: the next row of each ordering key', () => {
  let db: Db;
  let repo: OutboxRepository;
  /** Every query the repository ran: its SQL and parameters. */
  let ran: { sql: string; args: unknown[] }[];
  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db);
    ran = [];
    const watched = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
        return (sql: string) => {
          const stmt = target.prepare(sql);
          const all = stmt.all.bind(stmt);
          stmt.all = ((...args: unknown[]) => {
            ran.push({ sql, args });
            return all(...(args as []));
          }) as typeof stmt.all;
          return stmt;
        };
      },
    });
    repo = new OutboxRepository(watched);
  });
  afterEach(() => db.close());

  it('are the first pending row of each key by priority then enqueue order, due ones only, oldest first', () => {
    repo.enqueue(effect('a', 1), 100);
    repo.enqueue(effect('a', 2, { priority: -1 }), 100);
    repo.enqueue(effect('b', 1, { availableAt: 500 }), 100);
    repo.enqueue(effect('c', 1), 100);
    repo.enqueue(effect('c', 2), 100);
    const first = repo.heads(200, 10);
    expect(first.map((r) => r.idempotencyKey)).toEqual(['a:2', 'c:1']);
    expect(repo.claim(first[1]!.id, 'replica-a', 200, 10_000)).not.toBeNull();
    expect(repo.markDelivered(first[1]!.id, undefined, 200, 'replica-a')).toBe(true);
    expect(repo.heads(200, 10).map((r) => r.idempotencyKey)).toEqual(['a:2', 'c:2']);
    expect(repo.heads(600, 10).map((r) => r.idempotencyKey)).toEqual(['a:2', 'b:1', 'c:2']);
    expect(repo.heads(600, 2).map((r) => r.idempotencyKey)).toEqual(['a:2', 'b:1']);
  });

  it("leave out a key whose head another replica holds, until that replica's lease has passed", () => {
    repo.enqueue(effect('a', 1), 100);
    repo.enqueue(effect('a', 2), 100);
    repo.enqueue(effect('b', 1), 100);
    const [a1] = repo.heads(200, 10);
    expect(repo.claim(a1!.id, 'replica-a', 200, 1_000)).toMatchObject({ idempotencyKey: 'a:1', uncertain: false });
    // Nobody else may take it, nor the row behind it.
    expect(repo.claim(a1!.id, 'replica-b', 300, 1_300)).toBeNull();
    expect(repo.heads(300, 10, [], 'replica-b').map((r) => r.idempotencyKey)).toEqual(['b:1']);
    // Its holder still sees it (a delivery it gave up on, to do again).
    expect(repo.heads(300, 10, [], 'replica-a').map((r) => r.idempotencyKey)).toEqual(['a:1', 'b:1']);
    // Once the lease has passed, the row is anyone's, and it may have been acted on.
    expect(repo.heads(1_000, 10, [], 'replica-b').map((r) => r.idempotencyKey)).toEqual(['a:1', 'b:1']);
    expect(repo.claim(a1!.id, 'replica-b', 1_000, 2_000)).toMatchObject({ idempotencyKey: 'a:1', uncertain: true });
    // A reschedule (by its holder only) frees the row for whoever comes next.
    expect(repo.reschedule(a1!.id, 1_500, 'timeout', true, 'replica-a')).toBe(false);
    expect(repo.reschedule(a1!.id, 1_500, 'timeout', true, 'replica-b')).toBe(true);
    expect(repo.claim(a1!.id, 'replica-c', 1_400, 2_400)).toBeNull(); // not due yet
    expect(repo.claim(a1!.id, 'replica-c', 1_500, 2_500)).toMatchObject({ attempts: 1, uncertain: true });
  });

  it('are found by key, without reading every pending row (a backlog of one incident costs each look nothing)', () => {
    // Thousands of updates to one incident wait behind each other: the worker looks for heads after
    // every delivery, so a look that read the whole backlog made draining it quadratic.
    for (let n = 0; n < 50; n++) repo.enqueue(effect('incident:1', n), 100);
    repo.enqueue(effect('incident:2', 0), 100);
    expect(repo.heads(200, 40).map((r) => r.idempotencyKey)).toEqual(['incident:1:0', 'incident:2:0']);
    const look = ran.at(-1)!;
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${look.sql}`)
      .all(...(look.args as []))
      .map((r) => (r as { detail: string }).detail);
    const scans = plan.filter((d) => /^SCAN (?!CONSTANT ROW|keys\b)/.test(d));
    expect(scans).toEqual([]);
  });

  it('name their row, and its claim reads the whole of it back (payload, cause), as it is when claimed', () => {
    // A look reads 200 heads in a storm and the worker starts a few: their payloads are read by the claim.
    repo.enqueue(effect('a', 1, { payload: { text: 'the room for checkout', n: 1 }, incidentId: null }), 100);
    const [head] = repo.heads(200, 10);
    expect(head).toEqual({ id: expect.any(Number), orderingKey: 'a', kind: 'test.effect', idempotencyKey: 'a:1' });
    expect(repo.claim(head!.id, 'replica-a', 200, 1_000)).toMatchObject({
      id: head!.id,
      orderingKey: 'a',
      payload: { text: 'the room for checkout', n: 1 },
      attempts: 0,
      uncertain: false,
      availableAt: 100,
      createdAt: 100,
    });
  });
});

describe('rows a delivery covers: the same kind, queued for the same incident behind it', () => {
  let db: Db;
  let repo: OutboxRepository;
  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db);
    repo = new OutboxRepository(db);
  });
  afterEach(() => db.close());

  const duties = (n: number, extra: Partial<NewEffect> = {}) =>
    effect('incident:1', n, { kind: 'channel.duties', incidentId: null, ...extra });

  it('are its kind in its ordering key only, unclaimed, itself excepted; one claimed since is left to its holder', () => {
    db.prepare(
      "INSERT INTO incidents (id, title, severity, status, declared_at, declared_by, source, updated_at) VALUES (1, 't', 'sev3', 'investigating', 0, 'U1', 'slack', 0), (2, 't', 'sev3', 'investigating', 0, 'U1', 'slack', 0)",
    ).run();
    repo.enqueue(duties(1, { incidentId: 1 }), 100);
    repo.enqueue(effect('incident:1', 2, { kind: 'channel.notice', incidentId: 1 }), 100);
    repo.enqueue(duties(3, { incidentId: 1 }), 100);
    repo.enqueue(duties(4, { incidentId: 1 }), 100);
    repo.enqueue(duties(5, { incidentId: 1 }), 100);
    repo.enqueue(effect('incident:2', 6, { kind: 'channel.duties', incidentId: 2 }), 100);
    const [head] = repo.heads(200, 10);
    const mine = repo.claim(head!.id, 'replica-a', 200, 10_000)!;
    expect(mine.idempotencyKey).toBe('incident:1:1');
    const covered = repo.queuedLike(mine);
    const keyOf = (id: number) =>
      db.prepare('SELECT idempotency_key FROM outbox WHERE id = ?').pluck().get(id) as string;
    expect(covered.map(keyOf)).toEqual(['incident:1:3', 'incident:1:4', 'incident:1:5']);

    // Another replica took one of them over in between (its holder settles it, not this delivery).
    db.prepare("UPDATE outbox SET claimed_by = 'replica-b', lease_until = 99999 WHERE id = ?").run(covered[1]);
    expect(repo.markDelivered(mine.id, undefined, 300, 'replica-a')).toBe(true);
    expect(repo.markCovered(covered, mine.id, 300)).toBe(2);
    const states = db.prepare('SELECT idempotency_key AS key, state, result FROM outbox ORDER BY id').all();
    expect(states).toEqual([
      { key: 'incident:1:1', state: 'delivered', result: null },
      { key: 'incident:1:2', state: 'pending', result: null },
      { key: 'incident:1:3', state: 'delivered', result: `{"covered_by":${mine.id}}` },
      { key: 'incident:1:4', state: 'pending', result: null },
      { key: 'incident:1:5', state: 'delivered', result: `{"covered_by":${mine.id}}` },
      { key: 'incident:2:6', state: 'pending', result: null },
    ]);
  });

  it('are none for a row of no incident', () => {
    repo.enqueue(duties(1), 100);
    repo.enqueue(duties(2), 100);
    const [head] = repo.heads(200, 10);
    expect(repo.queuedLike(repo.claim(head!.id, 'replica-a', 200, 10_000)!)).toEqual([]);
  });
});
