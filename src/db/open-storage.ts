import { openDatabase, type Db } from './open.ts';
import { openPostgres } from './postgres/pg-database.ts';

export type Engine = 'sqlite' | 'postgres';

/** Which engine a storage handle speaks (the PostgreSQL adapter says so; a better-sqlite3 handle does not). */
export const engineOf = (db: Db): Engine => ((db as { engine?: Engine }).engine === 'postgres' ? 'postgres' : 'sqlite');

/** The storage the configuration names: PostgreSQL when a URL is given, else the SQLite file. */
export function openStorage(where: { databasePath: string; databaseUrl?: string }): Db {
  return where.databaseUrl ? openPostgres({ url: where.databaseUrl }) : openDatabase(where.databasePath);
}
