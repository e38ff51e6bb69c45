import { migrationState } from '../db/migrate.ts';
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
 * PostgreSQL is reachable and carries every migration this build knows, as `doctor` and `migrate` see
 * them (migrationState). Asked at most every `everyMs`: a load balancer's probes from many places must
 * not become a query storm, and each query blocks this replica while it runs. In between, the last
 * answer stands. A schema newer than this build (a later replica migrated) is fine.
 */
export function postgresCheck(db: Db, now: () => number, everyMs = 5_000): ReadinessCheck {
  let last: { at: number; reason: string | undefined } | undefined;
  const ask = (): string | undefined => {
    let pending: string[];
    try {
      pending = migrationState(db).pending;
    } catch (error) {
      return `PostgreSQL cannot be reached: ${(error as Error).message.split('\n')[0]}`;
    }
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
