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

  it('commits the writes queued in one turn together: none is visible to others before the last has run', async () => {
    const commit = groupCommit(db);
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
    const commit = groupCommit(db, { failure: (error) => new Error(`storage: ${(error as Error).message}`) });
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
});
