import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { openPostgres, WRITE_LOCK_KEY } from '../../src/db/postgres/pg-database.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { OutboxWorker, type EffectHandler } from '../../src/outbox/worker.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { createDatabase, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.ts';
import { effect } from '../helpers/outbox-effect.ts';
import { eventually } from '../helpers/eventually.ts';

/** A worker over `db` whose 'test.effect' rows are answered at once with what `learnt` gives. */
function workerOver(db: Db, learnt: () => Awaited<ReturnType<EffectHandler['deliver']>>) {
  const repo = new OutboxRepository(db);
  const handler: EffectHandler = {
    lane: 'test:call',
    deliver: async () => learnt(),
    classify: () => ({ type: 'transient' }),
  };
  const worker = new OutboxWorker({
    repo,
    handlers: { 'test.effect': handler },
    logger: createLogger('silent'),
    concurrency: 1,
    maxAttempts: 5,
    pollMs: 10,
    replica: 'settle-test',
    leaseMs: 60_000,
  });
  // The one row these tests queue.
  const state = () => db.prepare('SELECT state FROM outbox').pluck().get() as string;
  return { repo, worker, state };
}

describe('settling a delivery', () => {
  let dir: string;
  let db: Db;
  let worker: OutboxWorker | undefined;
  afterEach(async () => {
    await worker?.stop(0);
    worker = undefined;
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes what the delivery learnt together with its outcome: when that write fails, the row is not settled', async () => {
    dir = mkdtempSync(join(tmpdir(), 'incident-bot-settle-'));
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    db.exec('CREATE TABLE learnt (what TEXT NOT NULL)');
    let commits = 0;
    const w = workerOver(db, () => ({
      result: { ts: '1.2' },
      commit: () => {
        commits++;
        db.prepare('INSERT INTO learnt (what) VALUES (?)').run('ts 1.2');
        throw new Error('the disk is full');
      },
    }));
    worker = w.worker;
    w.repo.enqueue(effect('incident:1', 0), Date.now());
    worker.start();
    await eventually(() => commits > 0, 10_000, 'the delivery to be settled');
    // Neither the outcome without what was learnt, nor the other way round.
    expect(w.state()).toBe('pending');
    expect(db.prepare('SELECT count(*) FROM learnt').pluck().get()).toBe(0);
  });
});

describe('settling a delivery on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let url: string;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    url = createDatabase(server.url, 'settle');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("does not wait for another replica's write lock when only the row's own outcome is written", async () => {
    const db = openPostgres({ url });
    const other = openPostgres({ url });
    let worker: OutboxWorker | undefined;
    try {
      migrate(db);
      const w = workerOver(db, () => ({ result: { ok: true } }));
      worker = w.worker;
      w.repo.enqueue(effect('incident:1', 0), Date.now());
      // Another replica's change holds the lock all changes take (for 5 s at most, then a change fails as busy).
      other.exec(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
      worker.start();
      // One conditional statement, as a claim is. A transaction would have waited for the lock, and
      // failed as busy after 5 s with the row still pending.
      await eventually(() => w.state() === 'delivered', 3_000, 'the row to be settled');
      other.exec('ROLLBACK');
    } finally {
      await worker?.stop(0);
      other.close();
      db.close();
    }
  });
});
