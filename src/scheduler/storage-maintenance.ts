import { schedule, type ScheduledTask } from 'node-cron';
import type { CheckpointThread } from '../db/checkpoint-thread.ts';
import type { Db } from '../db/open.ts';
import type { StorageHealth } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

export interface CheckpointResult {
  busy: boolean;
  /** Pages in the WAL before it was truncated; -1 when busy because another checkpoint held SQLite's lock. */
  walPages: number;
}

/**
 * Every minute: the volume's free space is checked (the storage warns, at most once a minute, when it
 * is below `storage.min_free_mb`), and the WAL is checkpointed and truncated. SQLite checkpoints by
 * itself but never shrinks the WAL file: after a burst it would keep its largest size for good.
 */
export function startStorageMaintenanceJob(
  deps: { db: Db; storage: StorageHealth; checkpoints?: Pick<CheckpointThread, 'exclusive'> },
  log: Logger,
): { stop(): Promise<void>; runOnce(): CheckpointResult } {
  const runOnce = (): CheckpointResult => {
    deps.storage.lowSpace();
    // The checkpoint thread held off: its own checkpoint under way would make this one busy, and skipped.
    const truncate = () => deps.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number }[];
    const [row] = deps.checkpoints ? deps.checkpoints.exclusive(truncate) : truncate();
    // Busy: a reader (a backup) or the thread held on; the WAL keeps its size until the next minute.
    if (row?.busy === 1) log.debug({ event: 'storage.truncate_busy', wal_pages: row.log }, 'WAL not truncated: busy');
    return { busy: row?.busy === 1, walPages: row?.log ?? 0 };
  };
  const task: ScheduledTask = schedule(
    '41 * * * * *',
    () => {
      try {
        runOnce();
      } catch (error) {
        if (!deps.storage.failure(error)) log.error({ err: error }, 'storage maintenance failed');
      }
    },
    { name: 'storage-maintenance', noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()), runOnce };
}
