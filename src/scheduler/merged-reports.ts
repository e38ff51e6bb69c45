import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

/**
 * Every 5 minutes: asks GitHub which report pull requests were merged and publishes their public
 * part. What is published is recorded, so a restart neither misses a merge nor publishes twice.
 */
export function startMergedReportJob(
  check: () => Promise<number>,
  log: Logger,
  storage?: StorageGuard,
  leases?: JobLeases,
): RunningJob {
  const run = async () => {
    const published = await check();
    if (published > 0) log.info({ event: 'reports.published', published }, 'merged reports published');
  };
  return startGuardedJob(
    { name: 'merged-reports', cron: '*/5 * * * *', periodMs: 300_000, run, failed: 'merged report check failed' },
    log,
    storage,
    leases,
  );
}
