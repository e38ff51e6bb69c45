import type { MessagePort } from 'node:worker_threads';

/** What the caller sends the connection thread (pg-worker.ts). */
export type PgRequest =
  | { op: 'query'; text: string; values: unknown[] }
  /** Several statements in one simple query (migrations, BEGIN with its lock): no parameters. */
  | { op: 'exec'; text: string }
  | { op: 'close' };

export type PgReply =
  | { ok: true; fields: string[]; rows: unknown[][]; rowCount: number }
  | { ok: false; error: { message: string; code: string; detail?: string; constraint?: string } };

export interface PgWorkerData {
  url: string;
  /** A SharedArrayBuffer of one Int32: 0 while a request is out, 1 once its reply is posted. */
  flag: SharedArrayBuffer;
  port: MessagePort;
  applicationName: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}
