import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startCheckpointThread, type CheckpointThread } from '../../src/db/checkpoint-thread.ts';
import { checkpointWhenBusy } from '../../src/db/checkpoint-when-busy.ts';
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
  const events = () => lines.map((l) => JSON.parse(l) as { event?: string; level: number; time: string });
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
    // About 25,000 pages written, in 125 turns: a WAL that never started over would end at three times the bound.
    for (let turn = 0; turn < 125; turn++) {
      insert(100);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await new Promise((r) => setImmediate(r));
    }
    // 4,000 pages, and what is committed before the bot's checkpoint finds SQLite's lock free: with every
    // core busy the thread may hold it for many of the bot's commits (7,292 pages seen, bench/README.md).
    expect(largest).toBeLessThan(2.5 * 4000 * (PAGE + 24));
    expect(statSync(path).size).toBeGreaterThan(12_000 * PAGE);
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
    // Whatever it was, the bot's connection gets SQLite's own setting back.
    db.pragma('wal_autocheckpoint = 2000');
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

  it("holds its checkpoints off while the bot truncates the WAL, so that the bot's TRUNCATE is never answered busy", async () => {
    thread = startCheckpointThread(db, log(), { everyMs: 1 });
    await until('the thread is running', () => thread!.running);
    let busy = 0;
    for (let i = 0; i < 200; i++) {
      insert(20);
      // Writes keep the thread checkpointing every millisecond, as they would under load.
      await new Promise((r) => setTimeout(r, 1));
      const [row] = thread.exclusive(() => db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]);
      if (row!.busy) busy++;
    }
    expect(busy).toBe(0);
    expect(statSync(`${path}-wal`).size).toBe(0);
  });

  it('without being held off, the same TRUNCATE is answered busy some of the time (what the test above rules out)', async () => {
    thread = startCheckpointThread(db, log(), { everyMs: 1 });
    await until('the thread is running', () => thread!.running);
    let busy = 0;
    for (let i = 0; i < 200 && busy === 0; i++) {
      insert(20);
      await new Promise((r) => setTimeout(r, 1));
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (row!.busy) busy++;
    }
    expect(busy).toBeGreaterThan(0);
  });

  it('a process that never stops the thread still exits when it has nothing left to do', () => {
    const src = (file: string) => JSON.stringify(new URL(`../../src/${file}`, import.meta.url).href);
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      `const { openDatabase } = await import(${src('db/open.ts')});
      const { startCheckpointThread } = await import(${src('db/checkpoint-thread.ts')});
      const { createLogger } = await import(${src('lib/logger.ts')});
      const db = openDatabase(${JSON.stringify(join(dir, 'child.sqlite'))});
      const thread = startCheckpointThread(db, createLogger('silent'), { everyMs: 5 });
      const end = Date.now() + 5000;
      while (!thread.running && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      console.log(thread.running ? 'running' : 'not running');\n`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect({ status: child.status, out: child.stdout.trim(), err: child.stderr }).toEqual({
      status: 0,
      out: 'running',
      err: '',
    });
  });

  it.skipIf(process.platform !== 'linux')(
    'a checkpoint that keeps failing (the file may not grow) is told once, the bot writes on, and the thread recovers when it can',
    async () => {
      // A process's file size limit (RLIMIT_FSIZE) fails a write past it with EFBIG, as a full disk fails
      // it with ENOSPC, without a volume to fill. The limit applies to the whole process, so a child.
      const src = (file: string) => JSON.stringify(new URL(`../../src/${file}`, import.meta.url).href);
      const script = join(dir, 'child.mts');
      const file = join(dir, 'child.sqlite');
      writeFileSync(
        script,
        `const { openDatabase } = await import(${src('db/open.ts')});
      const { startCheckpointThread } = await import(${src('db/checkpoint-thread.ts')});
      const { createLogger } = await import(${src('lib/logger.ts')});
      const db = openDatabase(${JSON.stringify(file)});
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
      const row = db.prepare('INSERT INTO t (body) VALUES (?)');
      // In one transaction, each page reaches the WAL once: a commit a row would write the shared ones each time.
      const insert = db.transaction((n) => { for (let i = 0; i < n; i++) row.run('x'.repeat(${PAGE})); });
      const say = (event) => process.stdout.write(JSON.stringify({ event }) + '\\n');
      // In the database file, under the limit; nothing in the WAL.
      insert(1000);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const thread = startCheckpointThread(db, createLogger('trace', { write: (l) => void process.stdout.write(l) }), { everyMs: 5, cores: 2 });
      while (!thread.running) await new Promise((r) => setTimeout(r, 5));
      // Three quarters as much again: in the WAL, under the limit; the database file cannot take it all.
      insert(750);
      say('test.written');
      for await (const line of (await import('node:readline')).createInterface({ input: process.stdin })) {
        if (line === 'write') { insert(10); say('test.wrote'); }
        if (line === 'stop') { await thread.stop(); db.close(); say('test.stopped'); break; }
      }
      process.stdin.destroy();\n`,
      );
      const child = spawn(
        'prlimit',
        [`--fsize=${6 * 1024 * 1024}:unlimited`, process.execPath, '--import', 'tsx', script],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      onTestFinished(() => void child.kill('SIGKILL'));
      let failedToStart: Error | undefined;
      child.once('error', (error) => (failedToStart = error));
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const seen: { event?: string; level?: number; code?: string }[] = [];
      const other: string[] = [];
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          seen.push(JSON.parse(line));
        } catch {
          other.push(line);
        }
      });
      const told = (event: string) => seen.filter((e) => e.event === event);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await until('the failure is told', () => {
        if (failedToStart) throw new Error(`prlimit (util-linux) is needed: ${failedToStart.message}`);
        return told('storage.checkpoint_failed').length > 0 || child.exitCode !== null;
      });
      // A failure that lasts is told once, not at each look (every 5 ms here, less often after failures).
      await new Promise((r) => setTimeout(r, 500));
      child.stdin.write('write\n');
      await until('the bot writes on', () => told('test.wrote').length === 1 || child.exitCode !== null, 5_000);
      expect({ stderr, other }).toEqual({ stderr: '', other: [] });
      expect(told('storage.checkpoint_failed')).toEqual([
        expect.objectContaining({ level: 40, code: expect.stringMatching(/^SQLITE_(IOERR|FULL)/) }),
      ]);
      expect(told('storage.checkpoint_recovered')).toEqual([]);
      const raised = spawnSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited'], { encoding: 'utf8' });
      expect({ status: raised.status, err: raised.stderr }).toEqual({ status: 0, err: '' });
      await until('the thread checkpoints again', () => told('storage.checkpoint_recovered').length === 1, 5_000);
      child.stdin.write('stop\n');
      const timeout = new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5_000).unref());
      expect(await Promise.race([exited, timeout])).toBe(0);
      expect(stderr).toBe('');
      expect(told('storage.checkpoint_failed')).toHaveLength(1);
      expect(told('storage.checkpoint_thread_stopped')).toEqual([]);
      const after = openDatabase(file);
      expect(after.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1760);
      expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
      after.close();
    },
  );

  it("starts nothing on a machine with one core, where it could only take the bot's", async () => {
    const one = startCheckpointThread(db, log(), { cores: 1 });
    expect(one.running).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(ownCheckpointPages()).toBe(1000);
    await one.stop();
  });

  it('as the bot runs it, starts only while the bot writes much, and stops once it has written little for a while', async () => {
    thread = checkpointWhenBusy(db, log(), { everyMs: 5, lookEveryMs: 20, busyRows: 50, quietLooks: 10 });
    await new Promise((r) => setTimeout(r, 100));
    expect({ running: thread.running, pages: ownCheckpointPages() }).toEqual({ running: false, pages: 1000 });
    // Writing all along, as a bot under load does, until the thread has started.
    const busy = () => {
      insert(20);
      return thread!.running && ownCheckpointPages() === 4000;
    };
    await until('the thread is running', busy);
    await until('the thread is stopped', () => !thread!.running && ownCheckpointPages() === 1000);
    await until('the thread is running again', busy);
    await thread.stop();
    expect({ running: thread.running, pages: ownCheckpointPages() }).toEqual({ running: false, pages: 1000 });
    expect(events().filter((e) => e.level >= 40)).toEqual([]);
  });

  it('as the bot runs it, replaces a thread lost while the bot is busy a minute of looks after that loss, however the one before ended', async () => {
    // The file moved away under the running bot: its own connection goes on, a thread cannot open it.
    renameSync(path, `${path}.away`);
    thread = checkpointWhenBusy(db, log(), { everyMs: 5, lookEveryMs: 10, busyRows: 10, quietLooks: 30 });
    const at = (event: string) =>
      events().flatMap((e) => (e.event === `storage.checkpoint_${event}` ? [Date.parse(e.time)] : []));
    const writing = (ok: () => boolean) => () => {
      insert(20);
      return ok();
    };
    // Busy for a look: a thread starts, and is lost while the bot is quiet, which drops it.
    await until(
      'a thread is started',
      writing(() => at('thread_started').length === 1),
    );
    await until('it is lost', () => at('thread_stopped').length === 1);
    await until('it is dropped', () => !thread!.lost);
    // Busy from here on.
    await until(
      'the next thread is lost',
      writing(() => at('thread_stopped').length === 2),
    );
    await until(
      'it is replaced',
      writing(() => at('thread_started').length === 3),
    );
    renameSync(`${path}.away`, path);
    await until(
      'a thread is running again',
      writing(() => thread!.running && ownCheckpointPages() === 4000),
    );
    expect(thread.lost).toBe(false);
    // 30 looks of 10 ms, counted from the loss (the log's own times: a thread's start, which takes
    // longer on a loaded machine, is not in it), and not from the thread before.
    expect(at('thread_started')[2]! - at('thread_stopped')[1]!).toBeGreaterThanOrEqual(250);
  });

  it('as the bot runs it on one core, neither starts a thread nor says it did, however much the bot writes', async () => {
    thread = checkpointWhenBusy(db, log(), { cores: 1, everyMs: 5, lookEveryMs: 10, busyRows: 10 });
    for (let i = 0; i < 10; i++) {
      insert(50);
      await new Promise((r) => setTimeout(r, 15));
    }
    expect({ running: thread.running, pages: ownCheckpointPages() }).toEqual({ running: false, pages: 1000 });
    expect(events().map((e) => e.event)).toEqual([]);
  });

  it('starts nothing for a database in memory', async () => {
    const memory = openDatabase(':memory:');
    const none = startCheckpointThread(memory, log());
    expect(none.running).toBe(false);
    await none.stop();
    memory.close();
  });
});
