// @ts-check
/**
 * The thread that copies the SQLite WAL back into the database file for `startCheckpointThread`, so
 * that the thread answering requests seldom has to. A checkpoint writes pages back and syncs the file
 * twice; run by SQLite after the commit that filled the WAL, it stalled that thread for 5–28 ms every
 * 1,000 pages (bench/README.md). PASSIVE never waits for a lock and never blocks a writer: it copies
 * what is committed and leaves the rest for the next one.
 *
 * Plain JavaScript, not TypeScript: a worker thread does not inherit the TypeScript loader the
 * sources run under in development and tests. The build copies this file to dist/ as it is
 * (scripts/build.js).
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @typedef {import('./checkpoint-thread.ts').CheckpointWorkerData} CheckpointWorkerData */
/** @typedef {import('./checkpoint-thread.ts').CheckpointMessage} CheckpointMessage */

const { path, module, everyMs, state: shared } = /** @type {CheckpointWorkerData} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
/** @param {CheckpointMessage} message */
const tell = (message) => port.postMessage(message);
/** See `CheckpointWorkerData.state` in checkpoint-thread.ts: the bot holds the thread off for its own TRUNCATE. */
const state = new Int32Array(shared);
const IDLE = 0;
const CHECKPOINTING = 1;

const Database = createRequire(import.meta.url)(module);
const db = new Database(path, { fileMustExist: true });
// The checkpoint syncs as the connection running it is told to; the same as the bot's own.
db.pragma('synchronous = NORMAL');
// This connection never commits, so it never checkpoints on its own account.
db.pragma('wal_autocheckpoint = 0');

const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
// Changes when another connection commits: what tells an idle bot's WAL from a busy one's.
const dataVersion = db.prepare('PRAGMA data_version').pluck();
/** While nothing is committed, or checkpoints fail, the thread looks less often: down to once per this many `everyMs`. */
const BACKOFF = 16;
let checkpoints = 0;
/** What `data_version` said before the last checkpoint that succeeded. */
let copied = -1;
let waitMs = everyMs;
/** The last failure told, so that a lasting one (a full disk) is told once, not every few milliseconds. */
let lastError = '';
/** @type {NodeJS.Timeout | undefined} */
let timer;

/** One look: false when the bot holds the thread off. */
function checkpointOnce() {
  if (Atomics.compareExchange(state, 0, IDLE, CHECKPOINTING) !== IDLE) return false;
  try {
    const version = /** @type {number} */ (dataVersion.get());
    // Idle, the thread itself cost 1.4 % of a core at a look every 20 ms (bench/README.md).
    if (version === copied) {
      waitMs = Math.min(waitMs * 2, everyMs * BACKOFF);
      return true;
    }
    checkpoint.get();
    copied = version;
    checkpoints++;
    waitMs = everyMs;
    return true;
  } finally {
    Atomics.store(state, 0, IDLE);
    Atomics.notify(state, 0);
  }
}

const tick = () => {
  try {
    if (checkpointOnce() && lastError) {
      tell({ type: 'recovered' });
      lastError = '';
    }
  } catch (error) {
    const e = /** @type {{ code?: string, message?: string }} */ (error);
    const message = `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}`;
    if (message !== lastError) tell({ type: 'failed', code: e.code ?? 'ERROR', message });
    lastError = message;
    // A full disk fails every checkpoint, each after a write and a sync: not every 20 ms.
    waitMs = Math.min(waitMs * 2, everyMs * BACKOFF);
  }
  timer = setTimeout(tick, waitMs);
};
timer = setTimeout(tick, waitMs);

port.on('message', (/** @type {{ type: 'stop' }} */ message) => {
  if (message.type !== 'stop') return;
  clearTimeout(timer);
  db.close();
  tell({ type: 'stopped', checkpoints });
  port.close();
});
tell({ type: 'ready' });
