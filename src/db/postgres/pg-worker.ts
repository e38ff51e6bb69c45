/**
 * The thread that holds the PostgreSQL connection for `SyncPgClient`: node-postgres is asynchronous,
 * the storage port is synchronous (as better-sqlite3 is), so the caller blocks on a shared flag while
 * this thread runs the query and posts the answer. One connection, one query at a time: the caller
 * never sends the next before it has the last answer, so a transaction's statements stay in order.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { PgReply, PgRequest, PgWorkerData } from './pg-protocol.ts';

const {
  url,
  flag: flagBuffer,
  port,
  applicationName,
  statementTimeoutMs,
  connectTimeoutMs,
} = workerData as PgWorkerData;
const flag = new Int32Array(flagBuffer);

// Whole numbers as numbers: ids and millisecond times fit in a double, as they do in SQLite.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? Number
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

let client: pg.Client | null = null;
let broken = false;
/** Named prepared statements, per connection: PostgreSQL parses and plans each text once. */
let prepared = new Map<string, string>();

async function connected(): Promise<pg.Client> {
  if (client && !broken) return client;
  if (client) void client.end().catch(() => undefined);
  broken = false;
  prepared = new Map();
  const c = new pg.Client({
    connectionString: url,
    types,
    application_name: applicationName,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // A lost connection is noticed here and on the next query; the next request reconnects.
  c.on('error', () => {
    broken = true;
  });
  client = c;
  try {
    await c.connect();
  } catch (error) {
    broken = true;
    throw error;
  }
  return c;
}

function nameFor(text: string): string {
  let name = prepared.get(text);
  if (!name) prepared.set(text, (name = `s${prepared.size + 1}`));
  return name;
}

async function answer(req: PgRequest): Promise<PgReply> {
  if (req.op === 'close') {
    if (client) await client.end().catch(() => undefined);
    client = null;
    return { ok: true, fields: [], rows: [], rowCount: 0 };
  }
  const c = await connected();
  if (req.op === 'exec') {
    await c.query(req.text);
    return { ok: true, fields: [], rows: [], rowCount: 0 };
  }
  const result = await c.query({ name: nameFor(req.text), text: req.text, values: req.values, rowMode: 'array' });
  return {
    ok: true,
    fields: result.fields.map((f) => f.name),
    rows: result.rows as unknown[][],
    rowCount: result.rowCount ?? 0,
  };
}

function errorReply(error: unknown): PgReply {
  const e = error as { message?: string; code?: string; detail?: string; constraint?: string };
  if (typeof e.code === 'string' && /^08|^57P/.test(e.code)) broken = true;
  if (!e.code || /^E[A-Z]+$/.test(e.code)) broken = true;
  return {
    ok: false,
    error: {
      message: String(e.message ?? error),
      code: typeof e.code === 'string' ? e.code : 'PG_CONNECTION',
      detail: e.detail,
      constraint: e.constraint,
    },
  };
}

(port as MessagePort).on('message', (req: PgRequest) => {
  void answer(req)
    .catch(errorReply)
    .then((reply) => {
      port.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
});
parentPort?.postMessage('ready');
