import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { Db } from './open.ts';
import { asStorageError, PROBLEM_TEXT, type StorageProblem, type StorageUnavailableError } from './storage-error.ts';

const MB = 1024 * 1024;
/** The probe's row needs this much room, so that it fails where a real change would. */
const PROBE_PAD = Buffer.alloc(8192);

/** Free bytes for the database's volume, or undefined where there is none (`:memory:`). */
export type FreeSpaceReader = () => number | undefined;

/** Free space of the volume holding `databasePath`, as an unprivileged process may use it. */
export function volumeFreeSpace(databasePath: string): FreeSpaceReader {
  if (databasePath === ':memory:') return () => undefined;
  const dir = dirname(databasePath);
  return () => {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  };
}

/** What the rest of the process needs of the storage's health: classify a failure, and whether writes work. */
export interface StorageGuard {
  /** The error as a coded StorageUnavailableError (and the storage marked unavailable), or undefined for any other error. */
  failure(error: unknown): StorageUnavailableError | undefined;
  /** False from a storage error until a probe write succeeds again. */
  readonly writable: boolean;
}

export interface StorageHealthOptions {
  db: Db;
  log: Logger;
  freeBytes: FreeSpaceReader;
  /** Below this the log warns (once a minute) and /readyz says so in its details. */
  minFreeMb: number;
  now?: () => number;
  /** How often a probe write is tried while the storage is unavailable. */
  probeMs?: number;
}

/**
 * The one place that knows whether the database can be written. Anything that meets a storage error
 * reports it here (`failure`): the first report of an episode is logged, then a cheap committed write
 * is tried every `probeMs` until one succeeds, and whoever paused (the outbox, the scheduler) is
 * told to resume. Nothing needs a restart, and nothing logs once per request.
 */
export class StorageHealth implements StorageGuard {
  private problemNow: StorageProblem | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: (() => void)[] = [];
  private readonly deferred: { what: string; task: () => void }[] = [];
  private lastLowWarning = -Infinity;
  private readonly probeWrite: () => void;
  private readonly now: () => number;
  private readonly probeMs: number;

  constructor(private readonly opts: StorageHealthOptions) {
    this.now = opts.now ?? Date.now;
    this.probeMs = opts.probeMs ?? 5000;
    const insert = opts.db.prepare('INSERT INTO storage_probe (probed_at, pad) VALUES (?, ?)');
    const clear = opts.db.prepare('DELETE FROM storage_probe');
    this.probeWrite = opts.db.transaction(() => {
      insert.run(this.now(), PROBE_PAD);
      clear.run();
    });
  }

  get writable(): boolean {
    return this.problemNow === undefined;
  }

  get problem(): StorageProblem | undefined {
    return this.problemNow;
  }

  failure(error: unknown): StorageUnavailableError | undefined {
    const coded = asStorageError(error);
    if (!coded) return undefined;
    if (this.problemNow === undefined) {
      this.problemNow = coded.problem;
      this.opts.log.error(
        { err: error, problem: coded.problem, free_mb: this.freeMb() },
        `database cannot be written (${this.describe()}): changes are refused, the outbox and the scheduler pause until a write succeeds`,
      );
      this.schedule();
    }
    return coded;
  }

  /**
   * At start: a committed write, so that a disk that filled while the bot was down is known (and
   * probed until it has room) before anything needs a write, rather than found by the first page.
   * Returns whether the database can be written; any other error (a broken file) is thrown.
   */
  check(): boolean {
    try {
      this.probeWrite();
      return true;
    } catch (error) {
      if (!this.failure(error)) throw error;
      return false;
    }
  }

  /**
   * Runs `task` (a write of the process's own that no sender will retry, such as start-up's) now if
   * the database takes writes; else, or if it meets a storage error, once a probe write succeeds
   * again. The task must be safe to run again after a rolled-back attempt. Other errors are thrown.
   */
  whenWritable(what: string, task: () => void): void {
    if (this.writable) {
      try {
        task();
        return;
      } catch (error) {
        if (!this.failure(error)) throw error;
      }
    }
    this.opts.log.warn({ event: 'storage.deferred', task: what }, `${what} waits until the database can be written`);
    this.deferred.push({ what, task });
  }

  /** Called when a probe write has succeeded after a storage error (e.g. to wake the outbox). */
  onRecovered(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Tries a committed write now; true if it succeeded (and the storage was marked writable). */
  probe(): boolean {
    try {
      this.probeWrite();
    } catch (error) {
      const coded = asStorageError(error);
      if (!coded) throw error;
      this.problemNow = coded.problem;
      return false;
    }
    if (this.problemNow !== undefined) {
      this.problemNow = undefined;
      this.opts.log.info({ free_mb: this.freeMb() }, 'database writable again; the outbox and the scheduler resume');
      for (const listener of this.listeners) listener();
      this.runDeferred();
    }
    return true;
  }

  /** The volume's free space in whole MB (undefined when unknown). */
  freeMb(): number | undefined {
    const bytes = this.opts.freeBytes();
    return bytes === undefined ? undefined : Math.floor(bytes / MB);
  }

  freeBytes(): number | undefined {
    return this.opts.freeBytes();
  }

  /** "disk full, 2 MB free": the problem now, for /readyz and the logs. */
  describe(): string {
    const free = this.freeMb();
    const what = this.problemNow === 'full' ? 'disk full' : `storage ${PROBLEM_TEXT[this.problemNow ?? 'io']}`;
    return free === undefined ? what : `${what}, ${free} MB free`;
  }

  /**
   * Whether free space is below `minFreeMb`; says so in the log at most once a minute, however often
   * it is asked (readiness probes, metrics scrapes, the maintenance job).
   */
  lowSpace(): { freeMb: number; minFreeMb: number } | undefined {
    const freeMb = this.freeMb();
    if (freeMb === undefined || freeMb >= this.opts.minFreeMb) return undefined;
    if (this.now() - this.lastLowWarning >= 60_000) {
      this.lastLowWarning = this.now();
      this.opts.log.warn(
        { free_mb: freeMb, min_free_mb: this.opts.minFreeMb },
        `the database's volume is almost full: ${freeMb} MB free (storage.min_free_mb is ${this.opts.minFreeMb}); free space before writes fail`,
      );
    }
    return { freeMb, minFreeMb: this.opts.minFreeMb };
  }

  private runDeferred(): void {
    for (const { what, task } of this.deferred.splice(0)) {
      try {
        this.whenWritable(what, task);
      } catch (error) {
        this.opts.log.error({ err: error, task: what }, `${what} failed`);
      }
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      let ok = false;
      try {
        ok = this.probe();
      } catch (error) {
        // Not a storage error (e.g. the database was closed at shutdown): stop probing.
        this.opts.log.warn({ err: error }, 'storage probe failed');
        return;
      }
      if (!ok) this.schedule();
    }, this.probeMs);
    this.timer.unref();
  }
}
