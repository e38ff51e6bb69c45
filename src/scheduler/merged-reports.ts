import { schedule, type ScheduledTask } from 'node-cron';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Every 5 minutes: asks GitHub which report pull requests were merged and publishes their public
 * part. What is published is recorded, so a restart neither misses a merge nor publishes twice.
 */
export function startMergedReportJob(
  check: () => Promise<number>,
  log: Logger,
  storage?: StorageGuard,
): { stop(): Promise<void> } {
  const task: ScheduledTask = schedule(
    '*/5 * * * *',
    async () => {
      if (storage && !storage.writable) return;
      try {
        const published = await check();
        if (published > 0) log.info({ event: 'reports.published', published }, 'merged reports published');
      } catch (error) {
        if (!storage?.failure(error))
          log.error({ event: 'job.failed', job: 'merged-reports', err: error }, 'merged report check failed');
      }
    },
    { name: 'merged-reports', noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()) };
}
