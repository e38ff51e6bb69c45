import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { storageProblem } from '../../src/db/storage-error.ts';
import { StorageHealth } from '../../src/db/storage-health.ts';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { startGuardedJob } from '../../src/scheduler/guarded-job.ts';
import { JobLeases, leaseMs } from '../../src/scheduler/job-lease.ts';
import { startRetentionJob } from '../../src/scheduler/retention.ts';
import { tempDir } from '../helpers/test-bot.ts';
import { onPostgres, openTestDatabase } from '../helpers/test-database.ts';

const DAY = 86_400_000;
const NEVER = '0 0 1 1 *'; // rounds are driven by the test, not by the clock
const OLD_DELIVERIES = 2_000;

/** One replica: its own connection to the shared file, its own storage guard, leases, log and jobs. */
function replica(path: string, id: string, now: () => number) {
  const db = openTestDatabase(path);
  migrate(db);
  const logged: Record<string, unknown>[] = [];
  const log = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line)) });
  const storage = new StorageHealth({ db, log, freeBytes: () => undefined, minFreeMb: 0, now, probeMs: 60_000 });
  const leases = new JobLeases(db, id, now);
  const reminderRounds: number[] = [];
  const reminders = startGuardedJob(
    { name: 'reminders', cron: NEVER, periodMs: 30_000, run: () => reminderRounds.push(now()), failed: 'x' },
    log,
    storage,
    leases,
  );
  const repos = { outbox: new OutboxRepository(db), inbox: new InboxRepository(db) };
  // Retention as the app starts it: with this replica's storage guard and leases.
  const retention = startRetentionJob(
    {
      ...repos,
      seenRequests: new SeenRequestRepository(db),
      signatureWindowMs: 300_000,
      retentionDays: 7,
      now,
      storage,
      leases,
    },
    log,
  );
  return { db, storage, leases, logged, reminders, reminderRounds, retention, repos };
}

/** The disk is full for every process: no connection may grow the file past its size now. */
function fillDisk(...dbs: Db[]): void {
  for (const db of dbs) db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
}

// PRAGMA max_page_count is how the tests fill a disk; PostgreSQL has no per-connection equivalent.
describe.skipIf(onPostgres)('scheduled jobs on replicas sharing a full database', () => {
  const t0 = Date.UTC(2026, 10, 30, 9);
  const now = () => t0;
  let tmp: ReturnType<typeof tempDir>;
  let a: ReturnType<typeof replica>;
  let b: ReturnType<typeof replica>;
  let other: Db;

  beforeEach(() => {
    tmp = tempDir();
    const path = join(tmp.dir, 'bot.db');
    a = replica(path, 'host-a:100:aaaaaa', now);
    b = replica(path, 'host-b:200:bbbbbb', now);
    other = openTestDatabase(path);
    // A month-old webhook ids: what retention forgets, and the room it gives back.
    a.db.transaction(() => {
      for (let i = 0; i < OLD_DELIVERIES; i++)
        a.repos.inbox.firstSeen('pagerduty', `EVT-OLD-${i}`.padEnd(64, '.'), t0 - 30 * DAY);
    })();
    fillDisk(a.db, b.db, other);
    // Other jobs' leases take the leases table's last free byte: the next lease row needs a page the disk lacks.
    const others = new JobLeases(other, 'host-c:3:c', now);
    for (let n = 0; ; n++) {
      try {
        others.take(`r${String(n).padStart(5, '0')}`, 90_000);
      } catch (error) {
        if (storageProblem(error) === 'full') break;
        throw error;
      }
    }
  });

  afterEach(async () => {
    for (const r of [a, b]) {
      await r.reminders.stop().catch(() => {});
      await r.retention.stop().catch(() => {});
      r.storage.stop();
      r.db.close();
    }
    other.close();
    tmp.cleanup();
  });

  const inboxRows = () => Number(a.db.prepare('SELECT count(*) FROM inbox').pluck().get());
  const refusals = (r: typeof a) =>
    r.logged.filter((l) => /database cannot be written \(disk full/.test(String(l.msg)));
  const jobFailures = (r: typeof a) => r.logged.filter((l) => l.event === 'job.failed');

  it('takes no lease: the disk is full for every replica', () => {
    for (const r of [a, b])
      for (const job of ['reminders', 'retention'])
        expect(() => r.leases.take(job, leaseMs(30_000)), `${job} on ${r.leases.holder}`).toThrow(
          expect.objectContaining({ code: 'SQLITE_FULL' }),
        );
  });

  it('skips a job that writes, logging the full disk once per replica, while retention runs and frees the room', async () => {
    // The reminders job needs its lease to run: on every replica its round is refused, reported by the storage guard.
    await a.reminders.round();
    await b.reminders.round();
    await a.reminders.round();
    expect(a.reminderRounds).toEqual([]);
    expect(b.reminderRounds).toEqual([]);
    expect([a.storage.writable, b.storage.writable]).toEqual([false, false]);
    expect([refusals(a).length, refusals(b).length]).toEqual([1, 1]);
    expect([...jobFailures(a), ...jobFailures(b)]).toEqual([]);
    expect(inboxRows()).toBe(OLD_DELIVERIES);

    // Retention cannot take its lease either, and runs anyway: its round only deletes.
    await a.retention.round();
    expect(inboxRows()).toBe(0);
    expect(a.logged.find((l) => l.event === 'retention.pruned')).toMatchObject({ pruned: { inbox: OLD_DELIVERIES } });
    expect([...jobFailures(a), ...jobFailures(b)]).toEqual([]);

    // The room it freed: the guards' next probe succeeds, and the reminders job runs again, once across replicas.
    expect([a.storage.probe(), b.storage.probe()]).toEqual([true, true]);
    await a.reminders.round();
    await b.reminders.round();
    expect(a.reminderRounds).toEqual([t0]);
    expect(b.reminderRounds).toEqual([]);
    expect(a.leases.holderOf('reminders')).toBe('host-a:100:aaaaaa');
  });
});
