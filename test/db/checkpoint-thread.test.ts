import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointThread, type CheckpointThread } from '../../src/db/checkpoint-thread.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createLogger } from '../../src/lib/logger.ts';

const PAGE = 4096;
const ROW = 'x'.repeat(PAGE);

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the checkpoint thread: the WAL copied back beside the bot, not in its way', () => {
  let dir: string;
  let path: string;
  let db: Db;
  let lines: string[];
  let thread: CheckpointThread | undefined;
  const log = () => createLogger('trace', { write: (line: string) => void lines.push(line) });
  const events = () => lines.map((l) => JSON.parse(l) as { event?: string; level: number });
  const ownCheckpointPages = () => db.pragma('wal_autocheckpoint', { simple: true });
  const insert = (n: number) => {
    const row = db.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < n; i++) row.run(ROW);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-thread-'));
    path = join(dir, 'db.sqlite');
    db = openDatabase(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    lines = [];
  });
  afterEach(async () => {
    await thread?.stop();
    thread = undefined;
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file before the WAL is anywhere near a checkpoint of its own', async () => {
    thread = startCheckpointThread(db, log(), { everyMs: 5 });
    await until('the thread is running', () => thread!.running);
    expect(ownCheckpointPages()).toBe(4000);
    const before = statSync(path).size;
    // A row is two pages: about 400 pages, under the 1,000 at which SQLite would checkpoint by itself.
    insert(200);
    await until('the pages are in the database file', () => statSync(path).size >= before + 200 * PAGE);
    expect(events().filter((e) => e.level >= 40)).toEqual([]);
  });

  it('without it, the same writes stay in the WAL (what the test above would see had the thread done nothing)', async () => {
    const before = statSync(path).size;
    insert(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(ownCheckpointPages()).toBe(1000);
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(200 * PAGE);
  });

  it('keeps the WAL bounded under steady writes: the bot still starts it over every 4,000 pages', async () => {
    thread = startCheckpointThread(db, log(), { everyMs: 5 });
    await until('the thread is running', () => thread!.running);
    let largest = 0;
    // About 15,000 pages written, in 75 turns: a WAL that never started over would end at three times the bound.
    for (let turn = 0; turn < 75; turn++) {
      insert(100);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await new Promise((r) => setImmediate(r));
    }
    expect(largest).toBeLessThan(4000 * 1.25 * (PAGE + 24));
    expect(statSync(path).size).toBeGreaterThan(6000 * PAGE);
  });

  it('when stopped, gives the checkpoints back to the bot as SQLite has them, and the database closes', async () => {
    thread = startCheckpointThread(db, log(), { everyMs: 5 });
    await until('the thread is running', () => thread!.running);
    await thread.stop();
    expect(thread.running).toBe(false);
    expect(ownCheckpointPages()).toBe(1000);
    insert(10);
    db.close();
    expect(events().filter((e) => e.level >= 40)).toEqual([]);
  });

  it('a thread that cannot open the database leaves the bot checkpointing by itself, and says so', async () => {
    // The file removed under the running bot: its own connection goes on, a new one cannot open it.
    unlinkSync(path);
    thread = startCheckpointThread(db, log(), { everyMs: 5 });
    await until('the failure is told', () => events().some((e) => e.event === 'storage.checkpoint_thread_stopped'));
    expect(thread.running).toBe(false);
    expect(ownCheckpointPages()).toBe(1000);
    expect(events().find((e) => e.event === 'storage.checkpoint_thread_stopped')!.level).toBe(50);
    insert(10);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(10);
  });

  it('starts nothing for a database in memory', async () => {
    const memory = openDatabase(':memory:');
    const none = startCheckpointThread(memory, log());
    expect(none.running).toBe(false);
    await none.stop();
    memory.close();
  });
});
