import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { postgresCheck } from '../../src/http/storage-readiness.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, startTestBot, tempDir } from '../helpers/test-bot.ts';
import { inDatabase, startThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

interface Readiness {
  status: string;
  checks: { name: string; ok: boolean; reason?: string }[];
}
const databaseOf = (body: Readiness) => body.checks.find((c) => c.name === 'database');

describe('/readyz on PostgreSQL', () => {
  // Each test stops its server: its own, never the run's shared one (TEST_DATABASE_URL).
  it('is 200 while the server answers, and 503 naming the database once it stops', async () => {
    const pg = await startThrowawayPostgres({ own: true });
    const slack = await new FakeSlack({ users: [ALICE] }).start();
    const tmp = tempDir();
    const bot = await startTestBot(slack, join(tmp.dir, 'unused.db'), { env: { DATABASE_URL: pg.url } });
    try {
      const ready = await fetch(`${bot.app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(databaseOf((await ready.json()) as Readiness)).toEqual({ name: 'database', ok: true });

      await pg.stop();
      // The answer is reused for a few seconds (a probe storm must not become a query storm): poll past it.
      let body: Readiness | undefined;
      for (let i = 0; i < 100 && !body; i++) {
        const res = await fetch(`${bot.app.url}/readyz`);
        const answer = (await res.json()) as Readiness;
        if (res.status === 503 && databaseOf(answer)?.ok === false) body = answer;
        else await new Promise((r) => setTimeout(r, 200));
      }
      expect(body?.status).toBe('not_ready');
      expect(databaseOf(body!)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('PostgreSQL cannot be reached'),
      });
    } finally {
      await bot.app.stop(500).catch(() => {});
      await slack.stop();
      await pg.stop();
      tmp.cleanup();
    }
  }, 60_000);

  it('asks the server at most once per interval, and says so when the schema is not migrated', async () => {
    const pg = await startThrowawayPostgres({ own: true });
    const admin = openPostgres({ url: pg.url });
    admin.exec('CREATE DATABASE ready_migrated');
    admin.exec('CREATE DATABASE ready_fresh');
    admin.close();
    let t = 1_000_000;
    const now = () => t;
    const migrated = openPostgres({ url: inDatabase(pg.url, 'ready_migrated') });
    const fresh = openPostgres({ url: inDatabase(pg.url, 'ready_fresh') });
    try {
      migrate(migrated);
      const check = postgresCheck(migrated, now, 5_000);
      expect(await check.check()).toBeUndefined();

      const unmigrated = await postgresCheck(fresh, now, 5_000).check();
      expect(unmigrated).toContain('database not migrated: pending 001_schema');
      expect(unmigrated).toContain('incident-bot migrate');

      await pg.stop();
      // Within the interval the last answer stands: no query reaches the (now stopped) server.
      t += 4_999;
      expect(await check.check()).toBeUndefined();
      t += 1;
      expect(await check.check()).toMatch(/^PostgreSQL cannot be reached: /);
    } finally {
      for (const db of [migrated, fresh]) {
        try {
          db.close();
        } catch {
          // the server is gone
        }
      }
      await pg.stop();
    }
  }, 60_000);
});
