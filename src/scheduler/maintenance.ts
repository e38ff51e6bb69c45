import { schedule, type ScheduledTask } from 'node-cron';
import type { MaintenanceService } from '../incidents/maintenance.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Every 15 seconds, and once at start: moves maintenance windows to the status their times say.
 * The times live in the database and each step is recorded once, so a window whose start or end
 * passed while the bot was down is caught up at the next start, never repeated.
 */
export function startMaintenanceJob(
  maintenances: MaintenanceService,
  log: Logger,
  storage?: StorageGuard,
): { stop(): Promise<void> } {
  // While the database cannot be written the tick is skipped (the storage logs that once); a step
  // due meanwhile is worked out from the window's times at the first tick after a write succeeds.
  const tick = () => {
    if (storage && !storage.writable) return;
    try {
      const moved = maintenances.advance();
      if (moved > 0) log.info({ event: 'maintenance.moved', moved }, 'maintenance windows moved on');
    } catch (error) {
      if (!storage?.failure(error))
        log.error({ event: 'job.failed', job: 'maintenance', err: error }, 'maintenance tick failed');
    }
  };
  tick();
  const task: ScheduledTask = schedule('*/15 * * * * *', tick, { name: 'maintenance', noOverlap: true, unref: true });
  return { stop: async () => void (await task.destroy()) };
}
