import { schedule, type ScheduledTask } from 'node-cron';
import { storageProblem } from '../db/storage-error.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { leaseMs, type JobLeases } from './job-lease.ts';

export interface GuardedJob {
  /** node-cron's name for it, the `job` field of its failure log, and its lease's row. */
  name: string;
  cron: string;
  /** How often `cron` fires, in ms: the lease lasts a few of these (see leaseMs). */
  periodMs: number;
  /** The round; it logs what it did itself. */
  run: () => unknown;
  /** What the failure log says, for a person reading logs. */
  failed: string;
  /** Also one round right at start (a step due while the bot was down is caught up at once). */
  atStart?: boolean;
  /** Run even while the database cannot be written (pruning frees pages). */
  whileFull?: boolean;
}

export interface RunningJob {
  /** One round now, as the schedule runs it: skipped while the database is full or another replica holds the lease. */
  round(): Promise<void>;
  /** Stops the schedule (later rounds do nothing) and releases the lease: another replica takes the job at its next round. */
  stop(): Promise<void>;
}

/**
 * A periodic job that skips its round while the database cannot be written (the storage guard's probe
 * resumes it) and never overlaps itself; a storage failure is the guard's to report, anything else is
 * logged with the job's name. Each round's state is in the database, so a restart just resumes.
 * With `leases` (several replicas on one database) a round runs only on the replica holding the job's
 * lease, renewed each round; the others skip it until the holder stops or its lease runs out.
 */
export function startGuardedJob(job: GuardedJob, log: Logger, storage?: StorageGuard, leases?: JobLeases): RunningJob {
  let stopped = false;
  const round = async () => {
    // A stopped job takes no lease again (it has just released it for another replica).
    if (stopped || (storage && !storage.writable && !job.whileFull)) return;
    try {
      if (leases && !takeLease(leases, job)) return;
      await job.run();
    } catch (error) {
      if (!storage?.failure(error)) log.error({ event: 'job.failed', job: job.name, err: error }, job.failed);
    }
  };
  if (job.atStart) void round();
  const task: ScheduledTask = schedule(job.cron, round, { name: job.name, noOverlap: true, unref: true });
  return {
    round,
    stop: async () => {
      stopped = true;
      await task.destroy();
      try {
        leases?.release(job.name);
      } catch (error) {
        // Not released: another replica takes the job when the lease runs out instead.
        if (!storage?.failure(error))
          log.warn({ event: 'job.lease_kept', job: job.name, err: error }, 'lease not released');
      }
    },
  };
}

/**
 * Whether this replica may run the job's round. Taking the lease is a write: on a full disk it fails,
 * and a job that must run while the disk is full (retention frees the room) runs anyway. Its rounds
 * only delete, so two replicas running one at once does no harm; a database too full to take a lease
 * is worse than that.
 */
function takeLease(leases: JobLeases, job: { name: string; periodMs: number; whileFull?: boolean }): boolean {
  try {
    return leases.take(job.name, leaseMs(job.periodMs));
  } catch (error) {
    if (job.whileFull && storageProblem(error) === 'full') return true;
    throw error;
  }
}
