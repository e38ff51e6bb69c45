// @ts-check
/**
 * The thread that holds the PostgreSQL connections for `SyncPgClient`: node-postgres is asynchronous,
 * the storage port is synchronous (as better-sqlite3 is), so the caller blocks on a shared flag while
 * this thread runs the query and posts the answer. One request at a time: the caller never sends the
 * next before it has the last answer, so a transaction's statements stay in order.
 *
 * One thread serves every client of the process, each with its own connection: starting a thread and
 * loading node-postgres costs a few hundred milliseconds, a connection a few.
 *
 * Plain JavaScript, not TypeScript: a worker thread does not inherit the TypeScript loader the
 * sources run under in development and tests. The build copies this file to dist/ as it is
 * (scripts/build.js).
 */
import { workerData } from 'node:worker_threads';
import pg from 'pg';

/** @typedef {import('./pg-protocol.ts').PgRequest} PgRequest */
/** @typedef {import('./pg-protocol.ts').PgReply} PgReply */
/** @typedef {import('./pg-protocol.ts').PgWorkerData} PgWorkerData */
/** @typedef {import('./pg-protocol.ts').PgConnectOptions} PgConnectOptions */
/** @typedef {import('./pg-protocol.ts').PgResult} PgResult */
/**
 * @typedef {object} Connection
 * @property {pg.Client | null} client
 * @property {boolean} broken
 * @property {Map<string, string>} prepared named prepared statements: PostgreSQL plans each text once
 * @property {PgConnectOptions} options
 */

const { flag: flagBuffer, port } = /** @type {PgWorkerData} */ (workerData);
const flag = new Int32Array(flagBuffer);

// Whole numbers as numbers: ids and millisecond times fit in a double, as they do in SQLite.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  /** @param {number} oid @param {'text' | 'binary'} [format] */
  getTypeParser: (oid, format) =>
    oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, /** @type {'text'} */ (format)),
};

/** @type {Map<number, Connection>} */
const connections = new Map();
/** The connection of the request being answered, for errorReply. @type {Connection | null} */
let current = null;

/** @param {Connection} conn */
async function connected(conn) {
  if (conn.client && !conn.broken) return conn.client;
  if (conn.client) void conn.client.end().catch(() => undefined);
  conn.broken = false;
  conn.prepared = new Map();
  const c = new pg.Client({
    connectionString: conn.options.url,
    types: /** @type {never} */ (types),
    application_name: conn.options.applicationName,
    statement_timeout: conn.options.statementTimeoutMs,
    // A change waits this long for another replica's write lock, as SQLite's busy_timeout waits for
    // another writer; then it fails as "busy" (55P03) and the sender is told to retry.
    lock_timeout: 5000,
    // A replica frozen in the middle of a transaction (stopped, partitioned) would hold the write lock
    // of every replica: the server ends its session instead.
    idle_in_transaction_session_timeout: 30_000,
    connectionTimeoutMillis: conn.options.connectTimeoutMs,
    // A batch's statements go out together (see `answer`); one request at a time is sent otherwise.
    pipeline: true,
  });
  // A lost connection is noticed here and on the next query; the next change's first request
  // reconnects (a request inside a transaction is refused instead: see `answer`).
  c.on('error', () => {
    // Only this client's own: a late error of the one it replaced must not break the new connection.
    if (conn.client === c) conn.broken = true;
  });
  conn.client = c;
  try {
    await c.connect();
  } catch (error) {
    conn.broken = true;
    throw error;
  }
  return c;
}

/** @param {Connection} conn @param {string} text */
function nameFor(conn, text) {
  let name = conn.prepared.get(text);
  if (!name) conn.prepared.set(text, (name = `s${conn.prepared.size + 1}`));
  return name;
}

const NOTHING = /** @type {PgReply} */ ({ ok: true, fields: [], rows: [], rowCount: 0 });

/** @param {PgRequest} req @returns {Promise<PgReply>} */
async function answer(req) {
  if (req.op === 'open') {
    connections.set(req.conn, { client: null, broken: false, prepared: new Map(), options: req.options });
    return NOTHING;
  }
  const conn = connections.get(req.conn);
  if (!conn) throw Object.assign(new Error('The connection is closed'), { code: 'PG_CONNECTION' });
  current = conn;
  if (req.op === 'close') {
    connections.delete(req.conn);
    if (conn.client) await conn.client.end().catch(() => undefined);
    return NOTHING;
  }
  if (req.inTx && (!conn.client || conn.broken)) {
    // Ended now, not at the next change's BEGIN: a session still alive would hold the replicas' write
    // lock until then.
    if (conn.client) void conn.client.end().catch(() => undefined);
    conn.client = null;
    throw Object.assign(new Error('The connection of this change was lost: the change was rolled back'), {
      code: '08003',
    });
  }
  const c = await connected(conn);
  if (req.op === 'exec') {
    await c.query(req.text);
    return NOTHING;
  }
  if (req.op === 'batch') {
    // All written at once (the client's pipeline mode), not each after the answer to the one before:
    // the server runs them in order, and once one fails it refuses the rest of the transaction, so the
    // first failure is the batch's. Not the COMMIT (the step marked `commit`): it goes only once every
    // statement before it has been answered. Written with them, a server that stalls past the caller's
    // wait would read it later and commit what the caller was told failed (postgres-driver.test.ts,
    // "statements went unanswered").
    const last = req.steps.length - 1;
    const commits = last > 0 && req.steps[last].commit === true;
    const steps = commits ? req.steps.slice(0, last) : req.steps;
    const settled = await Promise.allSettled(
      steps.map((step) =>
        step.values ? prepared(conn, c, step.text, step.values) : c.query(step.text).then(() => EMPTY),
      ),
    );
    const at = settled.findIndex((s) => s.status === 'rejected');
    if (at >= 0)
      throw Object.assign(/** @type {object} */ (/** @type {PromiseRejectedResult} */ (settled[at]).reason), { at });
    const results = settled.map((s) => /** @type {PromiseFulfilledResult<PgResult>} */ (s).value);
    if (commits) {
      try {
        await c.query(req.steps[last].text);
      } catch (error) {
        throw Object.assign(/** @type {object} */ (error), { at: last });
      }
      results.push(EMPTY);
    }
    return { ok: true, ...EMPTY, results };
  }
  return { ok: true, ...(await prepared(conn, c, req.text, req.values)) };
}

const EMPTY = { fields: [], rows: [], rowCount: 0 };

/** @param {Connection} conn @param {pg.Client} c @param {string} text @param {unknown[]} values */
async function prepared(conn, c, text, values) {
  const result = await c.query({ name: nameFor(conn, text), text, values, rowMode: 'array' });
  return { fields: result.fields.map((f) => f.name), rows: result.rows, rowCount: result.rowCount ?? 0 };
}

/** @param {unknown} error @returns {PgReply} */
function errorReply(error) {
  const e = /** @type {{ message?: string; code?: string; detail?: string; constraint?: string; at?: number }} */ (
    error
  );
  const socket = typeof e.code !== 'string' || /^E[A-Z]+$/.test(e.code);
  // A connection-class SQLSTATE, or a socket error (ECONNRESET…): the next request reconnects.
  if (current && (socket || /^08|^57P/.test(String(e.code)))) current.broken = true;
  return {
    ok: false,
    error: {
      message: String(e.message ?? error),
      code: socket ? 'PG_CONNECTION' : String(e.code),
      detail: e.detail,
      constraint: e.constraint,
      at: e.at,
    },
  };
}

port.on('message', (/** @type {PgRequest} */ req) => {
  current = null;
  void answer(req)
    .catch(errorReply)
    .then((reply) => {
      // The answer before the flag: a raised flag promises an answer to read. The notify may reach
      // the caller late, in its next wait (await-reply.ts waits on until the flag is raised).
      port.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
});
