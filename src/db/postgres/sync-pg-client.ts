import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
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
  ) {
    super(message);
    this.name = 'PgError';
  }
}

/**
 * A PostgreSQL connection with a synchronous call: the query runs on a worker thread (pg-worker.ts)
 * while this thread waits on a shared flag. The storage port is synchronous because every change is
 * one transaction that the domain runs start to finish without yielding; blocking here keeps that
 * true on PostgreSQL. Each call waits at most the statement timeout plus the connect timeout: a
 * database that does not answer fails the call (and so the change, rolled back) instead of hanging
 * the process.
 */
export class SyncPgClient {
  private worker!: Worker;
  private port!: MessagePort;
  private flag!: Int32Array;
  private readonly waitMs: number;

  constructor(private readonly options: SyncPgOptions) {
    this.waitMs = (options.statementTimeoutMs ?? 15_000) + (options.connectTimeoutMs ?? 5_000) + 1_000;
    this.start();
  }

  private start(): void {
    const flag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const data: PgWorkerData = {
      url: this.options.url,
      flag,
      port: port2,
      applicationName: this.options.applicationName ?? 'incident-bot',
      statementTimeoutMs: this.options.statementTimeoutMs ?? 15_000,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5_000,
    };
    const [entry, how] = workerEntry();
    this.worker = new Worker(entry, { ...how, workerData: data, transferList: [port2] });
    // The process may exit while the connection thread idles.
    this.worker.unref();
    this.port = port1;
    this.flag = new Int32Array(flag);
  }

  call(request: PgRequest): Extract<PgReply, { ok: true }> {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    if (Atomics.wait(this.flag, 0, 0, this.waitMs) === 'timed-out') {
      // The thread is stuck on a connection that neither answers nor fails: start over.
      void this.worker.terminate();
      this.start();
      throw new PgError(`PostgreSQL did not answer within ${this.waitMs} ms`, 'PG_TIMEOUT');
    }
    const reply = receiveMessageOnPort(this.port)?.message as PgReply | undefined;
    if (!reply) throw new PgError('The PostgreSQL connection thread stopped', 'PG_CONNECTION');
    if (!reply.ok) throw new PgError(reply.error.message, reply.error.code, reply.error.detail, reply.error.constraint);
    return reply;
  }

  close(): void {
    try {
      this.call({ op: 'close' });
    } finally {
      void this.worker.terminate();
    }
  }
}

/**
 * The build runs the compiled pg-worker.js. Sources (development, tests) run through tsx, whose
 * loader a worker thread does not inherit on Node 20: a one-line CommonJS bootstrap imports the
 * TypeScript file through tsx's API instead.
 */
function workerEntry(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./pg-worker.js', import.meta.url), {}];
  const api = tsxEsmApi();
  const entry = new URL('./pg-worker.ts', import.meta.url).href;
  return [
    `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true },
  ];
}

/** tsx's ESM API (its CommonJS twin, which require.resolve finds, cannot register the loader in a thread). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
}
