import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

/**
 * Every 5 minutes: asks GitHub about the follow-up issues whose turn has come (each at most every
 * 15 minutes, see followup-state in postmortem/), so the insights' follow-ups opened vs closed stay
 * current without hammering GitHub. The state is stored; a restart just resumes the round.
 */
export function startFollowupStateJob(
  check: () => Promise<{ asked: number; closed: number }>,
  log: Logger,
  storage?: StorageGuard,
  leases?: JobLeases,
): RunningJob {
  const run = async () => {
    const { asked, closed } = await check();
    if (asked > 0) log.debug({ event: 'followups.checked', asked, closed }, 'follow-up issues checked');
  };
  return startGuardedJob(
    { name: 'followup-state', cron: '*/5 * * * *', periodMs: 300_000, run, failed: 'follow-up state check failed' },
    log,
    storage,
    leases,
  );
}
