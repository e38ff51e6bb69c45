import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './open.ts';
import { AppError, ErrorCode } from '../lib/errors.ts';
import { engineOf } from './open-storage.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
/** PostgreSQL's schema: the same tables and columns as SQLite's, in its own types (one file per step). */
export const PG_MIGRATIONS_DIR = join(MIGRATIONS_DIR, 'postgres');

/** Replicas that start together take turns: the first applies what is pending, the others then find it applied. */
const PG_MIGRATION_LOCK = 0x1bc1de48;

const migrationsDirOf = (db: Db): string => (engineOf(db) === 'postgres' ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR);

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match) {
        throw new AppError(ErrorCode.MigrationFailed, `Migration file ${file} must be named NNN_name.sql`);
      }
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]!.version === m.version) {
      throw new AppError(ErrorCode.MigrationFailed, `Two migrations share version ${m.version}`);
    }
  });
  return migrations;
}

/**
 * Applies every migration not yet recorded, in order, each in its own transaction, and
 * returns the names of those applied. A failing migration rolls back and stops the run.
 */
/** The versions already applied to this database (its `schema_migrations` table must exist). */
export function appliedVersions(db: Db): Set<number> {
  return new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
}

export function migrate(db: Db, dir: string = migrationsDirOf(db)): string[] {
  if (engineOf(db) !== 'postgres') return migrateNow(db, dir);
  db.exec(`SELECT pg_advisory_lock(${PG_MIGRATION_LOCK})`);
  try {
    return migrateNow(db, dir);
  } finally {
    db.exec(`SELECT pg_advisory_unlock(${PG_MIGRATION_LOCK})`);
  }
}

/** The migrations for this database's engine. */
export const migrationsFor = (db: Db): Migration[] => readMigrations(migrationsDirOf(db));

function migrateNow(db: Db, dir: string): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = appliedVersions(db);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: string[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    });
    try {
      apply();
    } catch (error) {
      throw new AppError(
        ErrorCode.MigrationFailed,
        `Migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    done.push(`${String(m.version).padStart(3, '0')}_${m.name}`);
  }
  return done;
}

/** Whether the runner's table exists yet (a database never migrated has none). */
function hasMigrationsTable(db: Db): boolean {
  const sql =
    engineOf(db) === 'postgres'
      ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
      : "SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'";
  return db.prepare(sql).get() !== undefined;
}

/** What is applied to this database, and what of its engine's migrations is still pending (as NNN_name). */
export function migrationState(db: Db): { applied: number; pending: string[] } {
  const applied = hasMigrationsTable(db) ? appliedVersions(db) : new Set<number>();
  const pending = migrationsFor(db)
    .filter((m) => !applied.has(m.version))
    .map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
  return { applied: applied.size, pending };
}
