import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { awaitReply } from './await-reply.ts';
import type { PgReply, PgRequest, PgWorkerData } from './pg-protocol.ts';

export interface SyncPgOptions {
  url: string;
  applicationName?: string;
  /** PostgreSQL cancels a statement that runs longer (statement_timeout). */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** An error from PostgreSQL (its SQLSTATE as `code`) or from reaching it (`PG_CONNECTION`, `PG_TIMEOUT`). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly detail?: string,
    readonly constraint?: string,
    /** In a batch: the index of the statement that failed. */
    readonly at?: number,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

type Request = PgRequest extends infer R ? (R extends PgRequest ? Omit<R, 'conn'> : never) : never;

/** The connection thread (pg-worker.js) and the flag its answers raise; shared by the clients of one process. */
class ConnectionThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
  private nextConn = 1;

  constructor() {
    const flag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const data: PgWorkerData = { flag, port: port2 };
    this.worker = new Worker(new URL('./pg-worker.js', import.meta.url), { workerData: data, transferList: [port2] });
    // The process may exit while the thread idles.
    this.worker.unref();
    this.port = port1;
    this.flag = new Int32Array(flag);
  }

  connection(): number {
    return this.nextConn++;
  }

  /** Sends one request and blocks until its reply, or `waitMs`; undefined when it did not come. */
  call(request: PgRequest, waitMs: number): PgReply | undefined {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    return awaitReply(this.flag, this.port, waitMs) as PgReply | undefined;
  }
}

/**
 * The thread of this process, started with the first client. Shared, as libuv's thread pool is: one
 * thread per connection cost a few hundred milliseconds per connection opened, and the process's
 * calls are one at a time anyway (each blocks until answered).
 */
let thread: ConnectionThread | null = null;

/**
 * A PostgreSQL connection with a synchronous call: the query runs on the connection thread
 * (pg-worker.js) while this thread waits on a shared flag. The storage port is synchronous because
 * every change is one transaction that the domain runs start to finish without yielding; blocking
 * here keeps that true on PostgreSQL. Each call waits at most the statement timeout plus the
 * connect timeout: a database that does not answer fails the call (and so the change, rolled back)
 * instead of hanging the process.
 */
export class SyncPgClient {
  private readonly waitMs: number;
  private conn = 0;
  private on: ConnectionThread | null = null;
  /** Requests answered or failed so far: each is a round trip the process waited for. */
  roundTrips = 0;
  /** The milliseconds this thread has spent blocked on those requests. */
  waitedMs = 0;

  private readonly statementTimeoutMs: number;

  constructor(private readonly options: SyncPgOptions) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
    this.waitMs = (options.statementTimeoutMs ?? 15_000) + (options.connectTimeoutMs ?? 5_000) + 1_000;
  }

  private opened(): ConnectionThread {
    if (this.on && this.on === thread) return this.on;
    // First call, or the thread was replaced after a timeout: this connection is new on it.
    thread ??= new ConnectionThread();
    this.on = thread;
    this.conn = thread.connection();
    this.send(thread, {
      op: 'open',
      options: {
        url: this.options.url,
        applicationName: this.options.applicationName ?? 'incident-bot',
        statementTimeoutMs: this.options.statementTimeoutMs ?? 15_000,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5_000,
      },
    });
    return thread;
  }

  call(request: Request): Extract<PgReply, { ok: true }> {
    // The thread was replaced since this client's transaction began (another call timed out): the
    // connection, and the transaction with it, went with the old thread (see `InTransaction`).
    if ('inTx' in request && request.inTx && this.on !== thread)
      throw new PgError('The connection of this change was lost: the change was rolled back', '08003');
    return this.send(this.opened(), request);
  }

  private send(on: ConnectionThread, request: Request): Extract<PgReply, { ok: true }> {
    this.roundTrips++;
    // Each statement of a batch may take up to the statement timeout.
    const steps = request.op === 'batch' ? request.steps.length : 1;
    const waitMs = this.waitMs + (steps - 1) * this.statementTimeoutMs;
    const t0 = performance.now();
    const reply = on.call({ ...request, conn: this.conn } as PgRequest, waitMs);
    this.waitedMs += performance.now() - t0;
    if (!reply) {
      // The thread is stuck on a connection that neither answers nor fails: start over. The other
      // clients reconnect on their next call.
      void on.worker.terminate();
      if (thread === on) thread = null;
      throw new PgError(`PostgreSQL did not answer within ${waitMs} ms`, 'PG_TIMEOUT');
    }
    if (!reply.ok) {
      const e = reply.error;
      throw new PgError(e.message, e.code, e.detail, e.constraint, e.at);
    }
    return reply;
  }

  close(): void {
    if (this.on && this.on === thread) this.send(this.on, { op: 'close' });
    this.on = null;
  }
}
