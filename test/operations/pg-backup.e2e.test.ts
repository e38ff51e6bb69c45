import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/child-bot.ts';

describe('incident-bot backup with DATABASE_URL set', () => {
  it('explains pg_dump and pg_restore instead of copying, exits 2, and never prints the password', async () => {
    const password = 'hunter2-not-for-logs';
    const result = await runCli(['backup', '/tmp/never-written.db'], {
      DATABASE_URL: `postgres://bot:${password}@127.0.0.1:1/incidents`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pg_dump --format=custom');
    expect(result.stderr).toContain('pg_restore');
    expect(result.stdout + result.stderr).not.toContain(password);
  });
});
