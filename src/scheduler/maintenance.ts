import type { MaintenanceService } from '../incidents/maintenance.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

/**
 * Every 15 seconds, and once at start: moves maintenance windows to the status their times say.
 * The times live in the database and each step is recorded once, so a window whose start or end
 * passed while the bot was down is caught up at the next start, never repeated.
 */
export function startMaintenanceJob(
  maintenances: MaintenanceService,
  log: Logger,
  storage?: StorageGuard,
  leases?: JobLeases,
): RunningJob {
  // While the database cannot be written the tick is skipped (the storage logs that once); a step
  // due meanwhile is worked out from the window's times at the first tick after a write succeeds.
  const run = () => {
    const moved = maintenances.advance();
    if (moved > 0) log.info({ event: 'maintenance.moved', moved }, 'maintenance windows moved on');
  };
  return startGuardedJob(
    {
      name: 'maintenance',
      cron: '*/15 * * * * *',
      periodMs: 15_000,
      run,
      failed: 'maintenance tick failed',
      atStart: true,
    },
    log,
    storage,
    leases,
  );
}
