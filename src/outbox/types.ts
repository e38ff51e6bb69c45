import type { Cause } from '../lib/telemetry.ts';

/** A side effect to deliver, as the domain enqueues it. */
export interface NewEffect {
  kind: string;
  /** Effects with the same key are delivered strictly in enqueue order. */
  orderingKey: string;
  incidentId: number | null;
  payload: Record<string, unknown>;
  /** Enqueuing the same key twice is a no-op: the first row stands. */
  idempotencyKey: string;
  /** Not before this time (ms); now when absent. */
  availableAt?: number;
  /** Lower goes first within the ordering key (default 0); equal priorities keep enqueue order. */
  priority?: number;
}

export interface OutboxRow {
  id: number;
  orderingKey: string;
  incidentId: number | null;
  kind: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  attempts: number;
  availableAt: number;
  createdAt: number;
  /**
   * An earlier delivery of this row began and its outcome was not recorded (a crash, a timeout, an
   * error after the call): the effect may already exist, so a handler looks for it before acting.
   */
  uncertain: boolean;
  /** The W3C traceparent of the change that queued it (null when tracing was off). */
  traceparent: string | null;
  /** The request whose change queued it (null for rows from before this was recorded). */
  cause: Cause | null;
}

/** A row at the head of its ordering key, as a look finds it: enough to choose it; its claim reads the rest. */
export type OutboxHead = Pick<OutboxRow, 'id' | 'orderingKey' | 'kind' | 'idempotencyKey'>;
