import { Database } from '../db/sqlite-driver.ts';
import { existsSync } from 'node:fs';
import { AppError, ErrorCode } from '../lib/errors.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  incidents: number;
  timelineEvents: number;
}

/**
 * A consistent copy of the live database while the bot keeps running (SQLite's online backup API,
 * page by page), checked afterwards: integrity_check, and the incidents and timeline counted.
 * Never overwrites a file unless told to.
 */
export async function backupDatabase(
  source: string,
  target: string,
  opts: { force: boolean; progress: (done: number, total: number) => void },
): Promise<BackupResult> {
  if (!existsSync(source))
    throw new AppError(ErrorCode.BackupFailed, `${source} does not exist (DATABASE_PATH); nothing to back up`);
  if (existsSync(target) && !opts.force)
    throw new AppError(ErrorCode.BackupFailed, `${target} exists; choose another file, or add --force to replace it`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        opts.progress(totalPages - remainingPages, totalPages);
        return 256; // pages per step: the bot's writes interleave between steps
      },
    });
  } finally {
    db.close();
  }
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.prepare('PRAGMA integrity_check').pluck().get();
    if (integrity !== 'ok')
      throw new AppError(ErrorCode.BackupFailed, `the backup failed its integrity check: ${String(integrity)}`);
    const count = (table: string) => copy.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const pages = copy.pragma('page_count', { simple: true }) as number;
    const size = copy.pragma('page_size', { simple: true }) as number;
    // SQLite reports progress only between steps; a small database is copied in one.
    opts.progress(pages, pages);
    return {
      file: target,
      bytes: pages * size,
      incidents: count('incidents'),
      timelineEvents: count('timeline_events'),
    };
  } finally {
    copy.close();
  }
}
