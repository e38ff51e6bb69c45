import { schedule, type ScheduledTask } from 'node-cron';
import type { MaintenanceService } from '../incidents/maintenance.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Every 15 seconds, and once at start: moves maintenance windows to the status their times say.
 * The times live in the database and each step is recorded once, so a window whose start or end
 * passed while the bot was down is caught up at the next start, never repeated.
 */
export function startMaintenanceJob(maintenances: MaintenanceService, log: Logger): { stop(): Promise<void> } {
  const tick = () => {
    try {
      const moved = maintenances.advance();
      if (moved > 0) log.info({ moved }, 'maintenance windows moved on');
    } catch (error) {
      log.error({ err: error }, 'maintenance tick failed');
    }
  };
  tick();
  const task: ScheduledTask = schedule('*/15 * * * * *', tick, { name: 'maintenance', noOverlap: true, unref: true });
  return { stop: async () => void (await task.destroy()) };
}
