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
}

/** What checkpoint-worker.js tells. */
export type CheckpointMessage =
  { type: 'ready' } | { type: 'failed'; code: string; message: string } | { type: 'stopped'; checkpoints: number };

export interface CheckpointThread {
  /** Whether the thread is checkpointing (started, not failed, not stopped). */
  readonly running: boolean;
  /** Stops the thread; the bot's own connection checkpoints every 1,000 pages again, as SQLite does. */
  stop(): Promise<void>;
}

export interface CheckpointThreadOptions {
  /** How often the thread checkpoints (ms). */
  everyMs?: number;
  /**
   * The WAL's size, in pages, at which the bot's own connection still checkpoints while the thread
   * runs: by then the thread has copied nearly all of it, and only that checkpoint lets the next
   * write start the WAL over, so it bounds the file's size.
   */
  ownPages?: number;
}

/** SQLite's own default, restored whenever the thread is not running. */
const SQLITE_AUTOCHECKPOINT = 1000;
const DEFAULT_EVERY_MS = 20;
const DEFAULT_OWN_PAGES = 4000;
/** How long a stopping thread has to close its connection before it is terminated. */
const STOP_MS = 2000;

/**
 * Checkpoints the SQLite WAL from a thread of its own (checkpoint-worker.js), every `everyMs` while
 * the database changes.
 *
 * A WAL can start over only after a checkpoint that copied all of it, and under steady writes one
 * running beside them never does (a test here: 97 MB of WAL after 15,000 pages). So the bot's
 * connection keeps checkpointing, at `ownPages` instead of 1,000, and finds nearly everything already
 * copied. `npm run bench -- sqlite-checkpoint`, a note's writes 20,000 times: the writing thread's
 * time fell by a quarter to a third, its writes over 5 ms from about 290 to 60, with a WAL of at most
 * 26 MB instead of 4 (bench/README.md). Nothing is started for a database in memory.
 */
export function startCheckpointThread(db: Db, log: Logger, options: CheckpointThreadOptions = {}): CheckpointThread {
  if (db.memory) return { running: false, stop: async () => {} };
  const ownPages = options.ownPages ?? DEFAULT_OWN_PAGES;
  const data: CheckpointWorkerData = {
    path: db.name,
    module: SQLITE_MODULE,
    everyMs: options.everyMs ?? DEFAULT_EVERY_MS,
  };
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: data });
  // The process may exit while the thread idles between checkpoints.
  worker.unref();
  let running = false;
  let stopping = false;
  let gone = false;
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
    }
  });
  // A thread that could not start (its driver missing) or that died: the bot checkpoints by itself.
  const lost = (reason: string, error?: unknown) => {
    if (gone) return;
    gone = true;
    running = false;
    ownCheckpoints(SQLITE_AUTOCHECKPOINT);
    if (!stopping)
      log.error(
        { event: 'storage.checkpoint_thread_stopped', reason, err: error },
        'the checkpoint thread stopped; the bot checkpoints the WAL itself, as SQLite does by default',
      );
  };
  worker.on('error', (error) => lost('error', error));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      lost(`exit ${code}`);
      resolve();
    }),
  );
  return {
    get running() {
      return running;
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
