import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, type Db } from './sqlite-driver.ts';

export type { Db };

/** Opens (creating if needed) the SQLite file in WAL mode, tuned for one writer process. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
