import { trace } from '@opentelemetry/api';
import type { Db } from '../db/open.ts';
import { currentCause, type Cause } from '../lib/telemetry.ts';

/** Where an act came from: a person in Slack, PagerDuty, an operator at the command line, or the bot itself. */
export type AuditVia = 'slack' | 'pagerduty' | 'cli' | 'automation';

/** The acts the log records; the names are part of the operator contract (`incident-bot audit`, docs/operations.md). */
export type AuditAction =
  | 'role.granted'
  | 'permission.refused'
  | 'runbook.run'
  | 'runbook.approved'
  | 'runbook.rejected'
  | 'runbook.stopped'
  | 'update.published'
  | 'postmortem.forced'
  | 'page.sent'
  | 'page.escalated'
  | 'outbox.retried';

export interface AuditEntry {
  action: AuditAction;
  /** The Slack user, PagerDuty user or operating-system user; null when the bot acted by itself. */
  actor: string | null;
  /** Where it came from; by default, from the cause of the current work (see `viaOf`). */
  via?: AuditVia;
  incidentId: number | null;
  detail?: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  at: number;
  action: AuditAction;
  actor: string | null;
  via: AuditVia;
  incidentId: number | null;
  detail: Record<string, unknown>;
  requestId: string | null;
  eventId: string | null;
  traceId: string | null;
}

const VIA_BY_SOURCE: Record<string, AuditVia> = { slack: 'slack', pagerduty: 'pagerduty', cli: 'cli' };

/** A cause's source as an audit `via`: timers, deliveries of the bot's own and anything unknown are automation. */
export const viaOf = (cause: Cause | undefined): AuditVia =>
  (cause && Object.hasOwn(VIA_BY_SOURCE, cause.source) ? VIA_BY_SOURCE[cause.source] : undefined) ?? 'automation';

/** Every act is kept this long after it happened by default: longer than anything else the bot keeps. */
export const AUDIT_RETENTION_DAYS = 400;

/** The audit table: appended to, listed, pruned after the retention. Never updated (a trigger refuses). */
export class AuditRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      append:
        db.prepare(`INSERT INTO audit_log (at, action, actor, via, incident_id, detail, request_id, event_id, trace_id)
        VALUES (@at, @action, @actor, @via, @incidentId, @detail, @requestId, @eventId, @traceId)`),
      since: db.prepare(`SELECT id, at, action, actor, via, incident_id AS incidentId, detail,
          request_id AS requestId, event_id AS eventId, trace_id AS traceId
        FROM audit_log WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?`),
      prune: db.prepare('DELETE FROM audit_log WHERE at < ?'),
    };
  }

  /** Records an act, with the request (and trace) it belongs to, read from the current context. */
  append(entry: AuditEntry, at: number): void {
    const cause = currentCause();
    const span = trace.getActiveSpan()?.spanContext();
    this.stmt.append.run({
      at,
      action: entry.action,
      actor: entry.actor,
      via: entry.via ?? viaOf(cause),
      incidentId: entry.incidentId,
      detail: JSON.stringify(entry.detail ?? {}),
      requestId: cause?.request_id ?? null,
      eventId: cause?.event_id ?? null,
      traceId: span && trace.isSpanContextValid(span) ? span.traceId : null,
    });
  }

  /** Acts at or after `since`: the newest `limit` of them, oldest first. */
  since(since: number, limit: number): AuditRecord[] {
    const rows = this.stmt.since.all(since, limit) as (Omit<AuditRecord, 'detail'> & { detail: string })[];
    return rows.reverse().map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Forgets acts older than `before`; returns how many. */
  prune(before: number): number {
    return this.stmt.prune.run(before).changes;
  }
}
