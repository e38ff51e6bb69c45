import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerContext } from '../../src/app/telemetry.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { withCause } from '../../src/lib/telemetry.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import type { NewEffect } from '../../src/outbox/types.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

const effect = (key: string, n: number, extra: Partial<NewEffect> = {}): NewEffect => ({
  kind: 'test.effect',
  orderingKey: key,
  incidentId: null,
  payload: { n, text: `row ${n}` },
  idempotencyKey: `${key}:${n}`,
  ...extra,
});

describe("queueing a change's effects together", () => {
  let dir: string;
  let db: Db;
  let repo: OutboxRepository;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enqueue-'));
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    repo = new OutboxRepository(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = () =>
    db
      .prepare(
        'SELECT id, idempotency_key AS k, payload, available_at AS a, priority AS p, created_at AS c FROM outbox ORDER BY id',
      )
      .all() as { id: number; k: string; payload: string; a: number; p: number; c: number }[];

  it('stores every effect as listed, in that order, with its own fields', () => {
    const added = repo.enqueueAll(
      [effect('a', 1), effect('b', 1, { availableAt: 900, priority: -1 }), effect('a', 2)],
      500,
    );
    expect(added).toBe(3);
    expect(stored().map(({ k, payload, a, p, c }) => ({ k, payload: JSON.parse(payload), a, p, c }))).toEqual([
      { k: 'a:1', payload: { n: 1, text: 'row 1' }, a: 500, p: 0, c: 500 },
      { k: 'b:1', payload: { n: 1, text: 'row 1' }, a: 900, p: -1, c: 500 },
      { k: 'a:2', payload: { n: 2, text: 'row 2' }, a: 500, p: 0, c: 500 },
    ]);
  });

  it('skips a key already queued and a key listed twice, and counts only what it added', () => {
    repo.enqueue(effect('a', 1, { payload: { first: true } }), 100);
    const added = repo.enqueueAll([effect('a', 1), effect('a', 2), effect('a', 2, { payload: { again: true } })], 200);
    expect(added).toBe(1);
    expect(stored().map((r) => [r.k, JSON.parse(r.payload)])).toEqual([
      ['a:1', { first: true }],
      ['a:2', { n: 2, text: 'row 2' }],
    ]);
    expect(repo.enqueue(effect('a', 2), 300)).toBe(false);
    expect(repo.enqueueAll([], 300)).toBe(0);
  });

  it('queues more effects than one statement holds, all of them, in order', () => {
    const many = Array.from({ length: 47 }, (_, i) => effect('k', i));
    expect(repo.enqueueAll(many, 100)).toBe(47);
    expect(stored().map((r) => r.k)).toEqual(many.map((e) => e.idempotencyKey));
  });

  it('remembers the cause of the change on every row it queues', () => {
    // As the app does at start: the cause rides the async context.
    registerContext();
    withCause({ source: 'slack', event_id: 'Ev1' }, () => repo.enqueueAll([effect('a', 1), effect('a', 2)], 100));
    const causes = db.prepare('SELECT cause FROM outbox ORDER BY id').all() as { cause: string }[];
    expect(causes.map((c) => JSON.parse(c.cause))).toEqual([
      { source: 'slack', event_id: 'Ev1' },
      { source: 'slack', event_id: 'Ev1' },
    ]);
  });
});
