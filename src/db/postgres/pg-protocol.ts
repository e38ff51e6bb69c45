import type { MessagePort } from 'node:worker_threads';

/** What the caller sends the connection thread (pg-worker.js); `conn` names one of its connections. */
export type PgRequest =
  | { op: 'open'; conn: number; options: PgConnectOptions }
  | { op: 'query'; conn: number; text: string; values: unknown[] }
  /** Several statements in one simple query (migrations, BEGIN with its lock): no parameters. */
  | { op: 'exec'; conn: number; text: string }
  | { op: 'close'; conn: number };

export type PgReply =
  | { ok: true; fields: string[]; rows: unknown[][]; rowCount: number }
  | { ok: false; error: { message: string; code: string; detail?: string; constraint?: string } };

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
