import { mkdtempSync, rmSync } from 'node:fs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/db/group-commit.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';

describe('group commit: the writes of one event-loop turn', () => {
  let dir: string;
  let db: Db;
  let reader: Db;
  const names = (from: Db = db) => from.prepare('SELECT name FROM t ORDER BY name').pluck().all();
  const insert = (name: string) => db.prepare('INSERT INTO t (name) VALUES (?)').run(name);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE t (name TEXT PRIMARY KEY,
        parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    // A second connection sees only what is committed.
    reader = openDatabase(join(dir, 'db.sqlite'));
  });
  afterEach(() => {
    reader.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A budget no write here can spend, however slow the machine: the turn is one transaction. */
  const WHOLE_TURN = { maxBatchMs: 60_000 };

  it('commits the writes queued in one turn together: none is visible to others before the last has run', async () => {
    const commit = groupCommit(db, WHOLE_TURN);
    const seenDuringSecond: unknown[] = [];
    const first = commit(() => insert('a'));
    const second = commit(() => {
      seenDuringSecond.push(...names(reader));
      insert('b');
      return 'second';
    });
    await expect(Promise.all([first, second])).resolves.toEqual([expect.anything(), 'second']);
    expect(seenDuringSecond).toEqual([]);
    expect(names(reader)).toEqual(['a', 'b']);
  });

  it('resolves a write only once it is committed, and none of the turn when the commit fails', async () => {
    const commit = groupCommit(db, {
      ...WHOLE_TURN,
      failure: (error) => new Error(`storage: ${(error as Error).message}`),
    });
    let resolvedEarly = false;
    const first = commit(() => insert('a')).then(() => (resolvedEarly = true));
    // Checked at COMMIT only (a deferred foreign key): the whole turn's transaction is refused.
    const second = commit(() => db.prepare('INSERT INTO t (name, parent) VALUES (?, 42)').run('b'));
    await expect(first).rejects.toThrow(/storage: FOREIGN KEY constraint failed/);
    await expect(second).rejects.toThrow(/storage: FOREIGN KEY constraint failed/);
    expect(resolvedEarly).toBe(false);
    expect(names(reader)).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it('keeps each write all-or-nothing: one that throws is undone alone and rejects alone', async () => {
    const commit = groupCommit(db);
    const first = commit(() => insert('a'));
    const broken = commit(() => {
      insert('half');
      throw new Error('bug in the middle');
    });
    const third = commit(() => insert('c'));
    await expect(broken).rejects.toThrow('bug in the middle');
    await expect(Promise.all([first, third])).resolves.toHaveLength(2);
    expect(names(reader)).toEqual(['a', 'c']);
  });

  it('runs each write in the async context it was queued from', async () => {
    const commit = groupCommit(db);
    const request = new AsyncLocalStorage<string>();
    const results = await Promise.all(
      ['r1', 'r2', 'r3'].map((id) => request.run(id, () => commit(() => request.getStore()))),
    );
    expect(results).toEqual(['r1', 'r2', 'r3']);
  });

  it('starts a new transaction for writes queued after a turn was committed', async () => {
    const commit = groupCommit(db);
    await commit(() => insert('a'));
    expect(names(reader)).toEqual(['a']);
    await commit(() => insert('b'));
    expect(names(reader)).toEqual(['a', 'b']);
  });

  /** A write that takes `ms` of CPU (a PostgreSQL write is several round trips), noting what others saw committed. */
  const slowInsert = (name: string, ms: number, committedBefore: Map<string, number>) => () => {
    committedBefore.set(name, names(reader).length);
    const until = performance.now() + ms;
    while (performance.now() < until);
    return insert(name);
  };

  it('commits a turn whose writes outlast maxBatchMs in several transactions, the event loop turning between them', async () => {
    const commit = groupCommit(db, { maxBatchMs: 10 });
    const committedBefore = new Map<string, number>();
    const writes = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => commit(slowInsert(name, 4, committedBefore)));
    // Queued after the writes: with one transaction for all six it would see none or all of them.
    let seenBetween = -1;
    setImmediate(() => (seenBetween = names(reader).length));
    await Promise.all(writes);
    expect(names(reader)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(seenBetween).toBeGreaterThan(0);
    expect(seenBetween).toBeLessThan(6);
    // The last write ran after some were committed.
    expect(committedBefore.get('f')).toBeGreaterThan(0);
  });

  it('runs the writes in the order they were queued across a split turn, one queued by a write after those before it', async () => {
    const commit = groupCommit(db, { maxBatchMs: 1 });
    const committedBefore = new Map<string, number>();
    const order: string[] = [];
    let queuedInside: Promise<unknown> | undefined;
    const first = commit(() => {
      order.push('z-first');
      queuedInside = commit(() => {
        order.push('a-inner');
        return insert('a-inner');
      });
      return slowInsert('z-first', 2, committedBefore)();
    });
    const second = commit(() => {
      order.push('m-second');
      return slowInsert('m-second', 2, committedBefore)();
    });
    await Promise.all([first, second]);
    await queuedInside;
    // Named so that sorting by name would give another order.
    expect(order).toEqual(['z-first', 'm-second', 'a-inner']);
    // The first spent the budget alone: the second ran in the next transaction, after it was committed.
    expect(committedBefore.get('m-second')).toBe(1);
    expect(names(reader)).toEqual(['a-inner', 'm-second', 'z-first']);
  });

  it('gives each write a transaction of its own when the budget is nothing', async () => {
    const commit = groupCommit(db, { maxBatchMs: 0 });
    const committedBefore = new Map<string, number>();
    await Promise.all(['a', 'b', 'c'].map((name) => commit(slowInsert(name, 0, committedBefore))));
    expect(names(reader)).toEqual(['a', 'b', 'c']);
    expect([...committedBefore.values()]).toEqual([0, 1, 2]);
  });

  it('rejects only the writes of a failed commit: those the budget left run in the next transaction', async () => {
    const commit = groupCommit(db, { maxBatchMs: 1 });
    // Checked at COMMIT only (a deferred foreign key), and slow enough to spend the budget alone.
    const broken = commit(() => {
      const until = performance.now() + 3;
      while (performance.now() < until);
      return db.prepare('INSERT INTO t (name, parent) VALUES (?, 42)').run('broken');
    });
    const after = commit(() => insert('after'));
    await expect(broken).rejects.toThrow(/FOREIGN KEY constraint failed/);
    await expect(after).resolves.toBeDefined();
    expect(names(reader)).toEqual(['after']);
  });

  it('takes the write lock before any write runs: held by another connection, the whole batch is refused as busy', async () => {
    db.pragma('busy_timeout = 50');
    reader.exec('BEGIN IMMEDIATE');
    const ran: string[] = [];
    const commit = groupCommit(db, WHOLE_TURN);
    const writes = ['a', 'b'].map((name) =>
      commit(() => {
        ran.push(name);
        return insert(name);
      }),
    );
    for (const write of writes) await expect(write).rejects.toThrow(/locked|busy/);
    expect(ran).toEqual([]);
    reader.exec('ROLLBACK');
    await commit(() => insert('later'));
    expect(names(reader)).toEqual(['later']);
  });

  it('refuses the whole batch when its transaction cannot begin', async () => {
    const closed = openDatabase(join(dir, 'db.sqlite'));
    const commit = groupCommit(closed);
    closed.close();
    const writes = [commit(() => 'a'), commit(() => 'b')];
    for (const write of writes) await expect(write).rejects.toThrow(/not open/);
  });
});
