import { schedule, type ScheduledTask } from 'node-cron';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

export interface GuardedJob {
  /** node-cron's name for it, and the `job` field of its failure log. */
  name: string;
  cron: string;
  /** The round; it logs what it did itself. */
  run: () => unknown;
  /** What the failure log says, for a person reading logs. */
  failed: string;
}

/**
 * A periodic job that skips its round while the database cannot be written (the storage guard's probe
 * resumes it) and never overlaps itself; a storage failure is the guard's to report, anything else is
 * logged with the job's name. Each round's state is in the database, so a restart just resumes.
 */
export function startGuardedJob(job: GuardedJob, log: Logger, storage?: StorageGuard): { stop(): Promise<void> } {
  const task: ScheduledTask = schedule(
    job.cron,
    async () => {
      if (storage && !storage.writable) return;
      try {
        await job.run();
      } catch (error) {
        if (!storage?.failure(error)) log.error({ event: 'job.failed', job: job.name, err: error }, job.failed);
      }
    },
    { name: job.name, noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()) };
}
