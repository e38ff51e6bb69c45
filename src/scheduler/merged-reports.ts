import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { startGuardedJob } from './guarded-job.ts';

/**
 * Every 5 minutes: asks GitHub which report pull requests were merged and publishes their public
 * part. What is published is recorded, so a restart neither misses a merge nor publishes twice.
 */
export function startMergedReportJob(
  check: () => Promise<number>,
  log: Logger,
  storage?: StorageGuard,
): { stop(): Promise<void> } {
  const run = async () => {
    const published = await check();
    if (published > 0) log.info({ event: 'reports.published', published }, 'merged reports published');
  };
  return startGuardedJob(
    { name: 'merged-reports', cron: '*/5 * * * *', run, failed: 'merged report check failed' },
    log,
    storage,
  );
}
