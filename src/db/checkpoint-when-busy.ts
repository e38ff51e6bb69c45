import type { Logger } from '../lib/logger.ts';
import {
  checkpointThreadHelps,
  NO_CHECKPOINT_THREAD,
  startCheckpointThread,
  type CheckpointThread,
  type CheckpointThreadOptions,
} from './checkpoint-thread.ts';
import type { Db } from './open.ts';

export interface CheckpointWhenBusyOptions extends CheckpointThreadOptions {
  /** How often the bot looks at how much it has written (ms). */
  lookEveryMs?: number;
  /** Rows changed since the last look that make the bot busy enough for the thread. */
  busyRows?: number;
  /**
   * Looks in a row below `busyRows` after which the thread is stopped again; also the looks after
   * which a thread that was lost is replaced, if the bot is still busy.
   */
  quietLooks?: number;
}

/** One look a second. */
const LOOK_EVERY_MS = 1000;
/**
 * About ten updates a second, their deliveries included (each changes some 8 rows and writes about
 * 78 kB of WAL, bench/README.md): SQLite's own checkpoint then comes about every 5 s.
 */
const BUSY_ROWS = 80;
/** A minute under that. */
const QUIET_LOOKS = 60;

/**
 * The checkpoint thread (checkpoint-thread.ts), started only while the bot writes much and stopped a
 * minute after: the thread's isolate holds about 12 MB, which an idle bot (most of its life) has no
 * use for, and an idle bot's checkpoints come seldom and are small. What the bot has written is read
 * from SQLite's `total_changes()`, one statement a second.
 */
export function checkpointWhenBusy(db: Db, log: Logger, options: CheckpointWhenBusyOptions = {}): CheckpointThread {
  // Nothing to look for where no thread would start: no statement a second, no line saying one started.
  if (!checkpointThreadHelps(db, options)) return NO_CHECKPOINT_THREAD;
  const busyRows = options.busyRows ?? BUSY_ROWS;
  const quietLooks = options.quietLooks ?? QUIET_LOOKS;
  const changes = db.prepare('SELECT total_changes()').pluck();
  let last = changes.get() as number;
  let thread: CheckpointThread | undefined;
  let quiet = 0;
  /** Looks since the thread in hand was lost. */
  let sinceLost = 0;
  const stopping = new Set<Promise<void>>();
  const drop = () => {
    thread = undefined;
    quiet = 0;
    sinceLost = 0;
  };
  const look = () => {
    if (!db.open) return;
    const now = changes.get() as number;
    const written = now - last;
    last = now;
    // A thread that could not start or died is replaced while the bot is busy, but only `quietLooks`
    // looks (a minute) later: one that cannot stay up would otherwise be started, and told, every look.
    if (thread?.lost && ++sinceLost >= quietLooks) drop();
    if (written >= busyRows) {
      quiet = 0;
      if (!thread) {
        thread = startCheckpointThread(db, log, options);
        log.debug({ event: 'storage.checkpoint_thread_started', rows: written }, 'checkpoint thread started');
      }
    } else if (thread && ++quiet >= quietLooks) {
      const idle = thread;
      drop();
      const done = idle.stop().finally(() => stopping.delete(done));
      stopping.add(done);
      // A lost thread has been told of already (storage.checkpoint_thread_stopped).
      if (!idle.lost)
        log.debug({ event: 'storage.checkpoint_thread_idle' }, 'checkpoint thread stopped: the bot writes little');
    }
  };
  const timer = setInterval(look, options.lookEveryMs ?? LOOK_EVERY_MS);
  timer.unref();
  return {
    get running() {
      return thread?.running ?? false;
    },
    get lost() {
      return thread?.lost ?? false;
    },
    exclusive: (fn) => (thread ? thread.exclusive(fn) : fn()),
    stop: async () => {
      clearInterval(timer);
      const last = thread;
      drop();
      await Promise.all([last?.stop(), ...stopping]);
    },
  };
}
