import type { MessagePort } from 'node:worker_threads';

/** What the caller sends the connection thread (pg-worker.js); `conn` names one of its connections. */
export type PgRequest =
  | { op: 'open'; conn: number; options: PgConnectOptions }
  | ({ op: 'query'; conn: number; text: string; values: unknown[] } & InTransaction)
  /** Several statements in one simple query (migrations, BEGIN with its lock): no parameters. */
  | ({ op: 'exec'; conn: number; text: string } & InTransaction)
  /**
   * Statements run one after another in one request, stopping at the first that fails (its index is
   * the error's `at`): a transaction's writes, sent with the statement that needs their effect.
   * A step without `values` is a simple query (COMMIT, SAVEPOINT…).
   */
  | ({ op: 'batch'; conn: number; steps: PgStep[] } & InTransaction)
  | { op: 'close'; conn: number };

export interface InTransaction {
  /**
   * Part of a transaction begun earlier on this connection. A transaction lives and dies with its
   * connection: if that connection broke, the request is refused (08003), never sent on a new one,
   * where each of its statements would commit by itself.
   */
  inTx?: boolean;
}

export interface PgStep {
  text: string;
  values?: unknown[];
  /**
   * This step is the transaction's COMMIT: the connection thread sends it only once every step before
   * it in the batch has been answered (see pg-worker.js). Said here, not read from the text, so that
   * no other statement is taken for it and no spelling of COMMIT is missed.
   */
  commit?: true;
}

export interface PgResult {
  fields: string[];
  rows: unknown[][];
  rowCount: number;
}

export type PgReply =
  | ({ ok: true; results?: PgResult[] } & PgResult)
  | { ok: false; error: { message: string; code: string; detail?: string; constraint?: string; at?: number } };

export interface PgConnectOptions {
  url: string;
  applicationName: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface PgWorkerData {
  /** A SharedArrayBuffer of one Int32: 0 while a request is out, 1 once its reply is posted. */
  flag: SharedArrayBuffer;
  port: MessagePort;
}
