import { schedule, type ScheduledTask } from 'node-cron';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Every 5 minutes: asks GitHub about the follow-up issues whose turn has come (each at most every
 * 15 minutes, see followup-state in postmortem/), so the insights' follow-ups opened vs closed stay
 * current without hammering GitHub. The state is stored; a restart just resumes the round.
 */
export function startFollowupStateJob(
  check: () => Promise<{ asked: number; closed: number }>,
  log: Logger,
  storage?: StorageGuard,
): { stop(): Promise<void> } {
  const task: ScheduledTask = schedule(
    '*/5 * * * *',
    async () => {
      if (storage && !storage.writable) return;
      try {
        const { asked, closed } = await check();
        if (asked > 0) log.debug({ event: 'followups.checked', asked, closed }, 'follow-up issues checked');
      } catch (error) {
        if (!storage?.failure(error))
          log.error({ event: 'job.failed', job: 'followup-state', err: error }, 'follow-up state check failed');
      }
    },
    { name: 'followup-state', noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()) };
}
