import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startGuardedJob } from '../../src/scheduler/guarded-job.ts';
import { JobLeases, leaseMs } from '../../src/scheduler/job-lease.ts';
import { tempDir } from '../helpers/test-bot.ts';

const PERIOD = 30_000; // the reminder job's period: its lease lasts max(3 × 30 s, 90 s) = 90 s
const log = createLogger('silent');

/** One replica: its own connection to the shared database file, its own clock, its own job. */
function replica(path: string, id: string, t0: number) {
  const db = openTestDatabase(path);
  migrate(db);
  const clock = { now: t0 };
  const rounds: number[] = [];
  const job = startGuardedJob(
    { name: 'reminders', cron: '0 0 1 1 *', periodMs: PERIOD, run: () => rounds.push(clock.now), failed: 'x' },
    log,
    undefined,
    new JobLeases(db, id, () => clock.now),
  );
  return { db, clock, rounds, job, leases: new JobLeases(db, id, () => clock.now) };
}

describe('a scheduled job on two replicas sharing one database', () => {
  const t0 = Date.UTC(2025, 0, 6, 9);
  let tmp: ReturnType<typeof tempDir>;
  let a: ReturnType<typeof replica>;
  let b: ReturnType<typeof replica>;
  beforeEach(() => {
    tmp = tempDir();
    a = replica(join(tmp.dir, 'bot.db'), 'host-a:100:aaaaaa', t0);
    b = replica(join(tmp.dir, 'bot.db'), 'host-b:200:bbbbbb', t0);
  });
  afterEach(async () => {
    await a.job.stop().catch(() => {});
    await b.job.stop().catch(() => {});
    a.db.close();
    b.db.close();
    tmp.cleanup();
  });
  /** Both replicas' schedules fire for the same round (same wall-clock second). */
  const round = async (at: number, ...who: ReturnType<typeof replica>[]) => {
    for (const r of who) {
      r.clock.now = at;
      await r.job.round();
    }
  };

  it('runs each round once, on the replica holding the lease, which keeps it round after round', async () => {
    for (let i = 0; i < 5; i++) await round(t0 + i * PERIOD, a, b);
    expect(a.rounds).toHaveLength(5);
    expect(b.rounds).toHaveLength(0);
    expect(a.leases.holderOf('reminders')).toBe('host-a:100:aaaaaa');
  });

  it('moves to the other replica at its next round when the holder stops and releases it', async () => {
    await round(t0, a, b);
    await a.job.stop();
    await round(t0 + PERIOD, a, b); // a stopped: its round does nothing
    expect(a.rounds).toEqual([t0]);
    expect(b.rounds).toEqual([t0 + PERIOD]);
    expect(b.leases.holderOf('reminders')).toBe('host-b:200:bbbbbb');
  });

  it("takes a dead replica's job over once its lease has run out, and not before", async () => {
    expect(leaseMs(PERIOD)).toBe(90_000);
    await round(t0, a, b);
    // a dies here (SIGKILL: nothing released); b's rounds go on.
    for (let at = t0 + PERIOD; at < t0 + 90_000; at += PERIOD) await round(at, b);
    expect(b.rounds).toEqual([]);
    await round(t0 + 90_000, b);
    expect(b.rounds).toEqual([t0 + 90_000]);
    // a comes back (a restart keeps no lease): b holds it now, a skips.
    await round(t0 + 120_000, a, b);
    expect(a.rounds).toEqual([t0]);
    expect(b.rounds).toEqual([t0 + 90_000, t0 + 120_000]);
  });

  it('never lets a replica release a lease it does not hold', () => {
    expect(a.leases.take('reminders', 90_000)).toBe(true);
    b.leases.release('reminders');
    expect(b.leases.take('reminders', 90_000)).toBe(false);
    expect(a.leases.holderOf('reminders')).toBe('host-a:100:aaaaaa');
  });
});
