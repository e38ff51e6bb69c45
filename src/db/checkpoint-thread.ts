import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../lib/logger.ts';
import type { Db } from './open.ts';
import { SQLITE_MODULE } from './sqlite-driver.ts';

/** What checkpoint-worker.js is started with. */
export interface CheckpointWorkerData {
  path: string;
  /** The SQLite package this process loaded (see `SQLITE_MODULE`). */
  module: string;
  everyMs: number;
  /**
   * One Int32 shared by both threads: 0 idle, 1 the thread checkpointing, 2 the bot holding it off. A
   * second checkpoint while one runs is answered busy by SQLite at once, without waiting.
   */
  state: SharedArrayBuffer;
}

const IDLE = 0;
const CHECKPOINTING = 1;
const HELD = 2;

/** What checkpoint-worker.js tells. */
export type CheckpointMessage =
  | { type: 'ready' }
  | { type: 'failed'; code: string; message: string }
  | { type: 'recovered' }
  | { type: 'stopped'; checkpoints: number };

export interface CheckpointThread {
  /** Whether the thread is there to checkpoint (started and not stopped; a failing checkpoint is logged, not counted here). */
  readonly running: boolean;
  /** Whether it stopped without being asked to: it could not start, or it died. */
  readonly lost: boolean;
  /**
   * Runs `fn` (a checkpoint of the bot's own, such as the minute's TRUNCATE) once the thread is not
   * checkpointing, and keeps it from starting one meanwhile: SQLite would answer `fn`'s checkpoint busy.
   * Waits for the rest of one of the thread's checkpoints (a review measured 6.6 ms median, 17.6 ms at
   * most, after bursts of 3,000 pages), never more than `HOLD_WAIT_MS`; then `fn` runs unheld.
   */
  exclusive<T>(fn: () => T): T;
  /** Stops the thread; the bot's own connection checkpoints every 1,000 pages again, as SQLite does. */
  stop(): Promise<void>;
}

export interface CheckpointThreadOptions {
  /** How often the thread checkpoints (ms) while the database changes. */
  everyMs?: number;
  /**
   * The WAL's size, in pages, at which the bot's own connection still checkpoints while the thread
   * runs: by then the thread has copied nearly all of it, and only that checkpoint lets the next
   * write start the WAL over, so it bounds the file's size.
   */
  ownPages?: number;
  /** Cores this machine has (default `os.availableParallelism()`): with one, the thread only takes the bot's. */
  cores?: number;
}

/** SQLite's own default, restored whenever the thread is not running. */
const SQLITE_AUTOCHECKPOINT = 1000;
const DEFAULT_EVERY_MS = 20;
const DEFAULT_OWN_PAGES = 4000;
/** How long a stopping thread has to close its connection before it is terminated. */
const STOP_MS = 2000;
/** The longest `exclusive` blocks the bot for the thread's checkpoint to end: past it, a TRUNCATE may be busy. */
const HOLD_WAIT_MS = 100;

/** What stands for the thread where none is started: it checkpoints nothing and holds nothing off. */
export const NO_CHECKPOINT_THREAD: CheckpointThread = {
  running: false,
  lost: false,
  exclusive: (fn) => fn(),
  stop: async () => {},
};

/**
 * Whether a thread would help this database: not one in memory (no WAL), nor on a machine with one
 * core, where the thread could only take the bot's. On Node 20 `availableParallelism()` counts the
 * CPUs the process may run on, not a container's CPU quota (libuv reads the quota from 1.49 on).
 */
export function checkpointThreadHelps(db: Db, options: Pick<CheckpointThreadOptions, 'cores'>): boolean {
  return !db.memory && (options.cores ?? availableParallelism()) >= 2;
}

/**
 * Checkpoints the SQLite WAL from a thread of its own (checkpoint-worker.js), every `everyMs` while
 * the database changes.
 *
 * A WAL can start over only after a checkpoint that copied all of it, and under steady writes one
 * running beside them never does (a test here: 97 MB of WAL after 15,000 pages). So the bot's
 * connection keeps checkpointing, at `ownPages` instead of 1,000, and finds nearly everything already
 * copied. `npm run bench -- sqlite-checkpoint`, a note's writes 20,000 times: the writing thread's
 * time fell by a fifth to a third, its writes over 5 ms from 207–298 to 54–62 (bench/README.md).
 * Nothing is started for a database in memory, nor on a machine with one core.
 */
export function startCheckpointThread(db: Db, log: Logger, options: CheckpointThreadOptions = {}): CheckpointThread {
  if (!checkpointThreadHelps(db, options)) return NO_CHECKPOINT_THREAD;
  const ownPages = options.ownPages ?? DEFAULT_OWN_PAGES;
  const shared = new SharedArrayBuffer(4);
  const state = new Int32Array(shared);
  const data: CheckpointWorkerData = {
    path: db.name,
    module: SQLITE_MODULE,
    everyMs: options.everyMs ?? DEFAULT_EVERY_MS,
    state: shared,
  };
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: data,
    // Its JavaScript holds next to nothing (SQLite's memory is native): V8's default young generation
    // alone made its RSS 16 MB instead of 12 (bench/README.md). Past these it dies, and `stopped` tells it.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  let running = false;
  let stopping = false;
  let gone = false;
  let lost = false;
  const ownCheckpoints = (pages: number) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
  };
  worker.on('message', (message: CheckpointMessage) => {
    if (message.type === 'ready' && !stopping) {
      running = true;
      ownCheckpoints(ownPages);
    } else if (message.type === 'failed') {
      log.warn(
        { event: 'storage.checkpoint_failed', code: message.code, err: { message: message.message } },
        'the checkpoint thread could not checkpoint the WAL; it tries again, and the bot checkpoints it as well',
      );
    } else if (message.type === 'recovered') {
      log.info({ event: 'storage.checkpoint_recovered' }, 'the checkpoint thread checkpoints the WAL again');
    }
  });
  // A thread that could not start (its driver missing) or that died: the bot checkpoints by itself.
  const stopped = (reason: string, error?: unknown) => {
    if (gone) return;
    gone = true;
    running = false;
    if (stopping) return;
    lost = true;
    ownCheckpoints(SQLITE_AUTOCHECKPOINT);
    log.error(
      { event: 'storage.checkpoint_thread_stopped', reason, err: error },
      'the checkpoint thread stopped; the bot checkpoints the WAL itself, as SQLite does by default',
    );
  };
  worker.on('error', (error) => stopped('error', error));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      stopped(`exit ${code}`);
      resolve();
    }),
  );
  // Last: a listener added after `unref` would ref the worker again, and a bot that never called
  // `stop` could not exit while the thread idles.
  worker.unref();
  return {
    get running() {
      return running;
    },
    get lost() {
      return lost;
    },
    exclusive(fn) {
      // Before 'ready' has reached this thread, the worker may already be checkpointing: held off all the same.
      if (gone || stopping) return fn();
      const until = performance.now() + HOLD_WAIT_MS;
      // The thread takes its turn only from IDLE, so once HELD it starts nothing until `fn` is done.
      let held = false;
      for (;;) {
        const was = Atomics.compareExchange(state, 0, IDLE, HELD);
        if (was !== CHECKPOINTING) {
          held = was === IDLE;
          break;
        }
        const left = until - performance.now();
        if (left <= 0 || Atomics.wait(state, 0, CHECKPOINTING, left) === 'timed-out') break;
      }
      try {
        return fn();
      } finally {
        if (held) Atomics.store(state, 0, IDLE);
      }
    },
    stop: async () => {
      if (stopping) return exited;
      stopping = true;
      running = false;
      ownCheckpoints(SQLITE_AUTOCHECKPOINT);
      worker.postMessage({ type: 'stop' });
      const killer = setTimeout(() => void worker.terminate(), STOP_MS);
      await exited;
      clearTimeout(killer);
    },
  };
}
