import { schedule, type ScheduledTask } from 'node-cron';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Every 15 minutes: asks whether last month's insights summary is due (from 09:00 on the first working
 * day, in the team's time zone) and, if nobody claimed it yet, queues it. The claim is in the database,
 * so the tick may run as often as it likes, across restarts, and the month is still posted once.
 */
export function startMonthlySummaryJob(
  run: () => string,
  log: Logger,
  storage?: StorageGuard,
): { stop(): Promise<void> } {
  const task: ScheduledTask = schedule(
    '*/15 * * * *',
    () => {
      if (storage && !storage.writable) return;
      try {
        if (run() === 'queued') log.info({ event: 'insights.summary_queued' }, 'monthly insights summary queued');
      } catch (error) {
        if (!storage?.failure(error))
          log.error({ event: 'job.failed', job: 'monthly-summary', err: error }, 'monthly summary tick failed');
      }
    },
    { name: 'monthly-summary', noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()) };
}
