import { migrationsFor } from '../db/migrate.ts';
import type { Db } from '../db/open.ts';
import type { StorageHealth } from '../db/storage-health.ts';
import type { ReadinessCheck } from './health.ts';

/**
 * The database takes writes: 503 with the reason ("database: disk full, 2 MB free") from a storage
 * error until a probe write succeeds again. Low free space alone does not make the bot unready (it
 * still records everything, and a load balancer that took it out would hide the status page too):
 * it is a warning in the details, and in the log once a minute.
 */
export function storageCheck(storage: StorageHealth): ReadinessCheck {
  return {
    name: 'storage',
    check: () => (storage.writable ? undefined : `database: ${storage.describe()}`),
    details() {
      const low = storage.lowSpace();
      const freeMb = storage.freeMb();
      return {
        ...(freeMb === undefined ? {} : { free_mb: freeMb }),
        ...(low && {
          warning: `${low.freeMb} MB free on the database's volume, below storage.min_free_mb (${low.minFreeMb})`,
        }),
      };
    },
  };
}

/**
 * PostgreSQL is reachable and carries every migration this build knows. One query (the applied
 * versions, which also proves the connection) at most every `everyMs`: a load balancer's probes from
 * many places must not become a query storm, and each query blocks this replica while it runs. In
 * between, the last answer stands. A schema newer than this build (a later replica migrated) is fine.
 */
export function postgresCheck(db: Db, now: () => number, everyMs = 5_000): ReadinessCheck {
  const expected = migrationsFor(db).map((m) => ({
    version: m.version,
    name: `${String(m.version).padStart(3, '0')}_${m.name}`,
  }));
  let last: { at: number; reason: string | undefined } | undefined;
  const ask = (): string | undefined => {
    let applied: Set<number>;
    try {
      applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all().map(Number));
    } catch (error) {
      // A server that answers without the runner's table (SQLSTATE 42P01) has never been migrated.
      if ((error as { code?: string }).code !== '42P01')
        return `PostgreSQL cannot be reached: ${(error as Error).message.split('\n')[0]}`;
      applied = new Set();
    }
    const pending = expected.filter((m) => !applied.has(m.version)).map((m) => m.name);
    return pending.length
      ? `database not migrated: pending ${pending.join(', ')} (run \`incident-bot migrate\`, or restart a replica)`
      : undefined;
  };
  return {
    name: 'database',
    check() {
      // Worded as better-sqlite3 words it, so the reason reads the same on both engines.
      if (!db.open) return 'database query failed: The database connection is not open';
      if (last && now() - last.at < everyMs) return last.reason;
      last = { at: now(), reason: ask() };
      return last.reason;
    },
  };
}
