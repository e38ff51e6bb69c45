import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

/**
 * Every 15 minutes: asks whether last month's insights summary is due (from 09:00 on the first working
 * day, in the team's time zone) and, if nobody claimed it yet, queues it. The claim is in the database,
 * so the tick may run as often as it likes, across restarts, and the month is still posted once.
 */
export function startMonthlySummaryJob(
  queue: () => string,
  log: Logger,
  storage?: StorageGuard,
  leases?: JobLeases,
): RunningJob {
  const run = () => {
    if (queue() === 'queued') log.info({ event: 'insights.summary_queued' }, 'monthly insights summary queued');
  };
  return startGuardedJob(
    { name: 'monthly-summary', cron: '*/15 * * * *', periodMs: 900_000, run, failed: 'monthly summary tick failed' },
    log,
    storage,
    leases,
  );
}
