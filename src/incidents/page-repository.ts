import type { Db } from '../db/open.ts';
import type { UserRef } from './types.ts';

/** Who a page is for: a service (its escalation policy is paged), or an escalation policy directly. */
export type PageTarget = { kind: 'service'; id: string } | { kind: 'escalation_policy'; id: string };

export type PageStatus = 'requested' | 'created' | 'refused' | 'acknowledged' | 'resolved';

/** A page sent from one of our incidents to the paging system: its own incident there, linked to ours. */
export interface LinkedPage {
  id: number;
  incidentId: number;
  source: string;
  target: PageTarget;
  /** The service the paging system files it under (the target, or the configured one for a policy). */
  serviceId: string;
  title: string;
  requestedBy: UserRef | null;
  requestedAt: number;
  cause: string | null;
  incidentKey: string;
  status: PageStatus;
  externalId: string | null;
  externalUrl: string | null;
  createdAt: number | null;
  acknowledgedAt: number | null;
  refusal: string | null;
}

export interface PageEscalation {
  id: number;
  incidentId: number;
  source: string;
  externalId: string;
  level: number;
  requestedBy: UserRef | null;
  cause: string | null;
  status: 'requested' | 'done' | 'refused';
}

interface PageRow {
  id: number;
  incident_id: number;
  source: string;
  target_kind: 'service' | 'escalation_policy';
  target_id: string;
  service_id: string;
  title: string;
  requested_by: string | null;
  requested_at: number;
  cause: string | null;
  incident_key: string;
  status: PageStatus;
  external_id: string | null;
  external_url: string | null;
  created_at: number | null;
  acknowledged_at: number | null;
  refusal: string | null;
}

const toPage = (r: PageRow): LinkedPage => ({
  id: r.id,
  incidentId: r.incident_id,
  source: r.source,
  target: { kind: r.target_kind, id: r.target_id },
  serviceId: r.service_id,
  title: r.title,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  cause: r.cause,
  incidentKey: r.incident_key,
  status: r.status,
  externalId: r.external_id,
  externalUrl: r.external_url,
  createdAt: r.created_at,
  acknowledgedAt: r.acknowledged_at,
  refusal: r.refusal,
});

const ESCALATION_COLUMNS = `id, incident_id AS incidentId, source, external_id AS externalId, level,
  requested_by AS requestedBy, cause, status`;

/** The SQL of linked pages and their escalations. Callers own transactions. */
export class PageRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO linked_pages (incident_id, source, target_kind, target_id, service_id, title,
          requested_by, requested_at, cause, incident_key)
        VALUES (@incidentId, @source, @targetKind, @targetId, @serviceId, @title, @requestedBy, @requestedAt, @cause,
          @incidentKey)`),
      byId: db.prepare('SELECT * FROM linked_pages WHERE id = ?'),
      byCause: db.prepare('SELECT * FROM linked_pages WHERE incident_id = ? AND cause = ?'),
      // One statement, one round trip on PostgreSQL: the page by its id there, else by its key.
      byExternalOrKey: db.prepare(`SELECT * FROM linked_pages
        WHERE source = ? AND (external_id = ? OR incident_key = ?)
        ORDER BY CASE WHEN external_id = ? THEN 0 ELSE 1 END, id LIMIT 1`),
      ofIncident: db.prepare('SELECT * FROM linked_pages WHERE incident_id = ? ORDER BY id'),
      created: db.prepare(`UPDATE linked_pages SET external_id = ?, external_url = coalesce(?, external_url),
          status = CASE WHEN status IN ('requested', 'refused') THEN 'created' ELSE status END,
          created_at = coalesce(created_at, ?), refusal = NULL
        WHERE id = ?`),
      refused: db.prepare(
        "UPDATE linked_pages SET status = 'refused', refusal = ? WHERE id = ? AND status = 'requested'",
      ),
      acknowledged: db.prepare(`UPDATE linked_pages SET status = 'acknowledged', acknowledged_at = ?
        WHERE id = ? AND status IN ('requested', 'created')`),
      resolved: db.prepare("UPDATE linked_pages SET status = 'resolved' WHERE id = ?"),
      insertEscalation: db.prepare(`INSERT INTO page_escalations
          (incident_id, source, external_id, level, requested_by, requested_at, cause)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      escalationById: db.prepare(`SELECT ${ESCALATION_COLUMNS} FROM page_escalations WHERE id = ?`),
      escalationByCause: db.prepare(`SELECT ${ESCALATION_COLUMNS} FROM page_escalations
        WHERE incident_id = ? AND cause = ?`),
      currentLevel: db
        .prepare(
          `SELECT max(level) FROM page_escalations
          WHERE incident_id = ? AND source = ? AND external_id = ? AND status <> 'refused'`,
        )
        .pluck(),
      escalationDone: db.prepare("UPDATE page_escalations SET status = 'done' WHERE id = ? AND status = 'requested'"),
      escalationRefused: db.prepare(`UPDATE page_escalations SET status = 'refused', refusal = ?
        WHERE id = ? AND status = 'requested'`),
    };
  }

  insert(
    page: Omit<LinkedPage, 'id' | 'status' | 'externalId' | 'externalUrl' | 'createdAt' | 'acknowledgedAt' | 'refusal'>,
  ): number {
    return Number(
      this.stmt.insert.run({
        incidentId: page.incidentId,
        source: page.source,
        targetKind: page.target.kind,
        targetId: page.target.id,
        serviceId: page.serviceId,
        title: page.title,
        requestedBy: page.requestedBy,
        requestedAt: page.requestedAt,
        cause: page.cause,
        incidentKey: page.incidentKey,
      }).lastInsertRowid,
    );
  }

  get(id: number): LinkedPage | undefined {
    const row = this.stmt.byId.get(id) as PageRow | undefined;
    return row && toPage(row);
  }

  byCause(incidentId: number, cause: string): LinkedPage | undefined {
    const row = this.stmt.byCause.get(incidentId, cause) as PageRow | undefined;
    return row && toPage(row);
  }

  /** The page a paging system's incident is, by its id there or, before its id is known, by its key. */
  find(source: string, externalId: string, incidentKey: string | null): LinkedPage | undefined {
    const row = this.stmt.byExternalOrKey.get(source, externalId, incidentKey || null, externalId) as
      PageRow | undefined;
    return row && toPage(row);
  }

  ofIncident(incidentId: number): LinkedPage[] {
    return (this.stmt.ofIncident.all(incidentId) as PageRow[]).map(toPage);
  }

  created(id: number, externalId: string, url: string | null, at: number): void {
    this.stmt.created.run(externalId, url, at, id);
  }

  refused(id: number, reason: string): boolean {
    return this.stmt.refused.run(reason, id).changes > 0;
  }

  acknowledged(id: number, at: number): boolean {
    return this.stmt.acknowledged.run(at, id).changes > 0;
  }

  resolved(id: number): void {
    this.stmt.resolved.run(id);
  }

  insertEscalation(e: Omit<PageEscalation, 'id' | 'status'>, at: number): number {
    return Number(
      this.stmt.insertEscalation.run(e.incidentId, e.source, e.externalId, e.level, e.requestedBy, at, e.cause)
        .lastInsertRowid,
    );
  }

  escalation(id: number): PageEscalation | undefined {
    return this.stmt.escalationById.get(id) as PageEscalation | undefined;
  }

  escalationByCause(incidentId: number, cause: string): PageEscalation | undefined {
    return this.stmt.escalationByCause.get(incidentId, cause) as PageEscalation | undefined;
  }

  /** The level the bot last moved this external incident to (1, where every page starts, when never). */
  currentLevel(incidentId: number, source: string, externalId: string): number {
    return (this.stmt.currentLevel.get(incidentId, source, externalId) as number | null) ?? 1;
  }

  escalationDone(id: number): boolean {
    return this.stmt.escalationDone.run(id).changes > 0;
  }

  escalationRefused(id: number, reason: string): boolean {
    return this.stmt.escalationRefused.run(reason, id).changes > 0;
  }
}
