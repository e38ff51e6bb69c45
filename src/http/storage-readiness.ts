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
