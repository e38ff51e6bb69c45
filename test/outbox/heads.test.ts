import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import type { NewEffect } from '../../src/outbox/types.ts';

const effect = (key: string, n: number, extra: Partial<NewEffect> = {}): NewEffect => ({
  kind: 'test.effect',
  orderingKey: key,
  incidentId: null,
  payload: { n },
  idempotencyKey: `${key}:${n}`,
  ...extra,
});

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
    repo.markDelivered(first[1]!.id, undefined, 200);
    expect(repo.heads(200, 10).map((r) => r.idempotencyKey)).toEqual(['a:2', 'c:2']);
    expect(repo.heads(600, 10).map((r) => r.idempotencyKey)).toEqual(['a:2', 'b:1', 'c:2']);
    expect(repo.heads(600, 2).map((r) => r.idempotencyKey)).toEqual(['a:2', 'b:1']);
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
});
