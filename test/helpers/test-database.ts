import { createHash, randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { SyncPgClient } from '../../src/db/postgres/sync-pg-client.ts';
import { inDatabase } from './throwaway-postgres.ts';

/**
 * Which engine this test run stores in. The `postgres` project of vitest.config.ts sets
 * TEST_ENGINE=postgres and its global setup (test/setup/postgres.ts) starts a throwaway server,
 * or takes TEST_DATABASE_URL, and leaves the server's URL in TEST_DATABASE_URL.
 */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = TEST_ENGINE === 'postgres';

let admin: SyncPgClient | null = null;
const made = new Set<string>();

/**
 * The PostgreSQL database that stands for the SQLite file at `key` in this run: the same key gives
 * the same database (a restarted bot finds its data), each new key a new, empty one.
 */
export function postgresUrlFor(key: string): string {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_ENGINE=postgres needs TEST_DATABASE_URL (set by test/setup/postgres.ts)');
  const name = `t_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
  if (!made.has(name)) {
    admin ??= new SyncPgClient({ url: base, applicationName: 'incident-bot-tests' });
    const exists = admin.call({ op: 'query', text: 'SELECT 1 FROM pg_database WHERE datname = $1', values: [name] });
    const template = process.env.TEST_DATABASE_TEMPLATE;
    if (exists.rows.length === 0)
      admin.call({ op: 'exec', text: `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}` });
    made.add(name);
  }
  return inDatabase(base, name);
}

/** A database for a test on this run's engine: the SQLite file (or `:memory:`), or its PostgreSQL stand-in. */
export function openTestDatabase(path: string): Db {
  if (!onPostgres) return openDatabase(path);
  return openPostgres({ url: postgresUrlFor(path === ':memory:' ? `memory-${randomUUID()}` : path) });
}

/** The environment that points a bot at `path`'s storage on this run's engine. */
export function storageEnv(path: string): Record<string, string> {
  return onPostgres ? { DATABASE_PATH: path, DATABASE_URL: postgresUrlFor(path) } : { DATABASE_PATH: path };
}

/** Where `path`'s storage is on this run's engine, as the CLI verbs take it. */
export const storageAt = (path: string): { databasePath: string; databaseUrl?: string } =>
  onPostgres ? { databasePath: path, databaseUrl: postgresUrlFor(path) } : { databasePath: path };
