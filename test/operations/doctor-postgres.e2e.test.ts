import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctor } from '../../src/cli/doctor.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, tempDir } from '../helpers/test-bot.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

/** A port on 127.0.0.1 that refuses connections: the kernel's choice, closed again at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('incident-bot doctor with DATABASE_URL (PostgreSQL)', () => {
  const slack = new FakeSlack({ users: [ALICE] });
  const tmp = tempDir();
  let pg: ThrowawayPostgres;
  let env: Record<string, string>;
  beforeAll(async () => {
    [pg] = await Promise.all([startThrowawayPostgres(), slack.start()]);
    env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: slack.url,
      DATABASE_PATH: join(tmp.dir, 'never-written.db'),
      CONFIG_PATH: '',
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all([slack.stop(), pg?.stop()]);
    tmp.cleanup();
  });
  const run = async (databaseUrl: string) => {
    const lines: string[] = [];
    const code = await doctor({ ...env, DATABASE_URL: databaseUrl }, (l) => lines.push(l), {
      freeSpace: () => () => 1, // would fail the storage check, were it run against the unused SQLite volume
    });
    const after = (check: string) => lines[lines.findIndex((l) => l.slice(2) === check) + 1] ?? '';
    return { code, lines, text: lines.join('\n'), after };
  };
  const password = (url: string) => decodeURIComponent(new URL(url).password);
  const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

  it('connects, names the server version and the pending migrations, and skips the SQLite volume check', async () => {
    const url = withDatabase(pg.url, 'postgres');
    const { code, lines, text, after } = await run(url);
    expect(lines).toContain('✓ database');
    expect(after('database')).toMatch(
      /^ {4}PostgreSQL \d+(\.\d+)? at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres: /,
    );
    expect(after('database')).toContain('0 migrations applied, pending: 001_schema');
    expect(after('database')).toContain('(applied on start, or by `incident-bot migrate`)');
    expect(lines).toContain('✓ storage');
    expect(after('storage')).toContain('skipped on PostgreSQL');
    if (password(url)) expect(text).not.toContain(password(url));
    expect(code).toBe(0);
  });

  it('says the database is up to date once migrated', async () => {
    const db = openPostgres({ url: pg.url });
    const applied = migrate(db);
    db.close();
    const { code, after } = await run(pg.url);
    expect(after('database')).toContain(`${applied.length} migrations applied, none pending`);
    expect(code).toBe(0);
  });

  it('fails clearly when the server cannot be reached: the redacted URL, what to check, no stack, no password', async () => {
    const port = await closedPort();
    const url = `postgres://bot:s3cret-pw@127.0.0.1:${port}/incidents`;
    const { code, lines, text, after } = await run(url);
    expect(lines).toContain('✗ database');
    expect(after('database')).toContain(`postgres://bot:***@127.0.0.1:${port}/incidents cannot be reached`);
    expect(after('database')).toMatch(/check the host and port in DATABASE_URL/);
    expect(text).not.toContain('s3cret-pw');
    expect(text).not.toMatch(/\n\s+at /);
    expect(code).toBe(1);
  });

  it('says the password was refused when it is wrong, without printing either password', async () => {
    const url = new URL(pg.url);
    url.password = 'wrong-password-123';
    const { code, lines, text, after } = await run(url.toString());
    expect(lines).toContain('✗ database');
    expect(after('database')).toContain('refused the login');
    expect(text).not.toContain('wrong-password-123');
    if (password(pg.url)) expect(text).not.toContain(password(pg.url));
    expect(code).toBe(1);
  });

  it('says the database does not exist when the URL names one the server does not have', async () => {
    const { code, lines, after } = await run(withDatabase(pg.url, 'no_such_db'));
    expect(lines).toContain('✗ database');
    expect(after('database')).toContain('/no_such_db cannot be used: the database in DATABASE_URL does not exist');
    expect(code).toBe(1);
  });
});
