import { createHash } from 'node:crypto';
import type { Db } from '../db/open.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { NewEffect } from '../outbox/types.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { noticeEffect } from './effect-kinds.ts';
import type { IncidentRepository } from './incident-repository.ts';
import type { Actor } from './permissions.ts';
import type { PostmortemRepository } from './postmortem-repository.ts';
import { COMPONENT_STATUSES, type Component, type ComponentStatus, type Incident } from './types.ts';
import type { UpdateRepository } from './update-repository.ts';

/**
 * What customers may read of a post-incident report. Built only from what was already public
 * (the public name, public updates) and what the team wrote for customers (the impact, the
 * follow-ups), with every mention removed: no timeline notes, internal updates, roles or ids.
 */
export interface PublicReport {
  title: string;
  summary: string;
  affected: { impact: string | null; components: { name: string; worst: ComponentStatus; minutes: number }[] };
  happened: { at: number; status: string; text: string }[];
  doing: string[];
}

export interface PublicReportRecord {
  incidentId: number;
  report: PublicReport;
  publishedAt: number;
  publishedBy: string | null;
  via: 'command' | 'merge';
}

/** All SQL about published public reports. */
export class PublicReportRepository {
  private readonly stmt;
  constructor(readonly db: Db) {
    this.stmt = {
      add: db.prepare(`INSERT INTO public_reports (incident_id, content, published_at, published_by, via)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO NOTHING`),
      get: db.prepare('SELECT * FROM public_reports WHERE incident_id = ?'),
      recent: db.prepare('SELECT * FROM public_reports ORDER BY published_at DESC LIMIT ?'),
      lastPublishedAt: db.prepare('SELECT coalesce(max(published_at), 0) FROM public_reports').pluck(),
      // Reports with a pull request whose incident is published, resolved, and has no public report yet.
      awaitingMerge: db.prepare(`SELECT p.incident_id AS incidentId, p.pr_number AS prNumber, i.is_private AS isPrivate
        FROM postmortems p
        JOIN incidents i ON i.id = p.incident_id LEFT JOIN public_reports r ON r.incident_id = p.incident_id
        WHERE p.pr_number IS NOT NULL AND r.incident_id IS NULL AND i.public_at IS NOT NULL AND i.status = 'resolved'
          AND p.merge_refused_at IS NULL
        ORDER BY p.incident_id LIMIT 100`),
    };
  }
  add(r: PublicReportRecord): boolean {
    return this.stmt.add.run(r.incidentId, JSON.stringify(r.report), r.publishedAt, r.publishedBy, r.via).changes > 0;
  }
  get(incidentId: number): PublicReportRecord | undefined {
    const row = this.stmt.get.get(incidentId) as Row | undefined;
    return row && toRecord(row);
  }
  recent(limit: number): PublicReportRecord[] {
    return (this.stmt.recent.all(limit) as Row[]).map(toRecord);
  }
  /** When the newest report was published (0 for none): part of the status page's version. */
  lastPublishedAt(): number {
    return Number(this.stmt.lastPublishedAt.get());
  }
  /** Whose report pull request may have been merged; a private incident's is in its own repository. */
  awaitingMerge(): { incidentId: number; prNumber: number; private: boolean }[] {
    const rows = this.stmt.awaitingMerge.all() as { incidentId: number; prNumber: number; isPrivate: 0 | 1 }[];
    return rows.map(({ isPrivate, ...r }) => ({ ...r, private: isPrivate === 1 }));
  }
}
interface Row {
  incident_id: number;
  content: string;
  published_at: number;
  published_by: string | null;
  via: 'command' | 'merge';
}
const toRecord = (r: Row): PublicReportRecord => ({
  incidentId: r.incident_id,
  report: JSON.parse(r.content) as PublicReport,
  publishedAt: r.published_at,
  publishedBy: r.published_by,
  via: r.via,
});

const rank = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);
/**
 * Report texts were stored as typed, where a mention may already read `@name` or `@U…`: in what
 * goes public, an `@word` after a space is taken for a person and dropped (an e-mail address stays).
 */
const clean = (text: string) =>
  withoutSlackMentions(text)
    .replace(/(^|\s)@[\w.-]{1,80}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();

export interface PublicReportDeps {
  db: Db;
  incidents: IncidentRepository;
  updates: UpdateRepository;
  postmortems: PostmortemRepository;
  reports: PublicReportRepository;
  outbox: OutboxRepository;
  components: Component[];
  now: () => number;
  /** Refuses unless the actor may publish to the status page for this incident. */
  authorize: (incident: Incident, actor: Actor) => void;
  /** Effects telling subscribers the incident changed (status webhooks). */
  publicEffects?: (incidentId: number) => NewEffect[];
  onEffectsEnqueued: () => void;
  onCommitted?: () => void;
}

/** Previews and publishes the public report: by a confirmed preview, or when the report's review merged. */
export class PublicReports {
  constructor(readonly deps: PublicReportDeps) {}

  /** The report as it would be published now, and a digest that names exactly this text. */
  preview(incidentId: number, actor: Actor): { report: PublicReport; digest: string } {
    const incident = this.publishable(incidentId);
    this.deps.authorize(incident, actor);
    const report = this.build(incident);
    return { report, digest: digestOf(report) };
  }

  /** Publishes what was previewed: refused if the report changed since (the digest differs). */
  confirm(incidentId: number, actor: Actor, digest: string): PublicReport {
    const { report, digest: now } = this.preview(incidentId, actor);
    if (now !== digest)
      throw new UserError(
        ErrorCode.Conflict,
        'The report changed since that preview: preview it again, then confirm.',
        {
          action: 'postmortem_publish',
        },
      );
    this.store(incidentId, report, actor.id, 'command');
    return report;
  }

  /**
   * What would go public now, for the report's pull request to show (no actor: nothing is
   * published by it), or null while the incident cannot have a public report.
   */
  draft(incidentId: number): { report: PublicReport; digest: string } | null {
    const incident = this.deps.incidents.get(incidentId);
    if (!incident || incident.publicAt === null || incident.status !== 'resolved') return null;
    const report = this.build(incident);
    return { report, digest: digestOf(report) };
  }

  /**
   * The review of the report was merged: publish it (once; a second call changes nothing), but
   * only the text its pull request showed. If the public text changed since, nothing is published
   * and the channel is told (once) to use the preview instead.
   */
  merged(incidentId: number): boolean {
    const incident = this.publishable(incidentId);
    const report = this.build(incident);
    if (digestOf(report) === this.deps.postmortems.publicDigest(incidentId))
      return this.store(incidentId, report, null, 'merge');
    const { db, outbox } = this.deps;
    const at = this.deps.now();
    const enqueued = db.transaction(() => {
      this.deps.postmortems.setMergeRefused(incidentId, at);
      return outbox.enqueue(noticeEffect(incidentId, 'merge', { type: 'public_report_changed' }), at);
    })();
    if (enqueued) this.deps.onEffectsEnqueued();
    return false;
  }

  private store(incidentId: number, report: PublicReport, by: string | null, via: 'command' | 'merge'): boolean {
    const { db, outbox } = this.deps;
    // Asked once committed (see `queueAll`).
    let queued = () => 0;
    const at = this.deps.now();
    const added = db.transaction(() => {
      if (!this.deps.reports.add({ incidentId, report, publishedAt: at, publishedBy: by, via })) return false;
      queued = outbox.queueAll(this.deps.publicEffects?.(incidentId) ?? [], at);
      return true;
    })();
    if (!added && via === 'command')
      throw new UserError(ErrorCode.Conflict, `The report of incident #${incidentId} is already public.`);
    if (queued() > 0) this.deps.onEffectsEnqueued();
    this.deps.onCommitted?.();
    return added;
  }

  private publishable(incidentId: number): Incident {
    const incident = this.deps.incidents.get(incidentId);
    if (!incident) throw new UserError(ErrorCode.NotFound, `There is no incident #${incidentId}.`);
    if (incident.publicAt === null)
      throw new UserError(
        ErrorCode.BadArgument,
        `Incident #${incidentId} was never on the status page, so its report has nowhere public to go.`,
      );
    if (incident.status !== 'resolved')
      throw new UserError(
        ErrorCode.BadArgument,
        `Incident #${incidentId} is not resolved yet: publish its report after.`,
        {
          action: 'resolve',
        },
      );
    return incident;
  }

  private build(incident: Incident): PublicReport {
    const publicUpdates = this.deps.updates.publicUpdates(incident.id).slice().reverse();
    const names = new Map(this.deps.components.map((c) => [c.id, c.name]));
    const start = incident.publicAt ?? incident.declaredAt;
    const end = incident.resolvedAt ?? this.deps.now();
    // Each component's worst public status, and for how long it was not operational.
    const components = [...names.keys()].flatMap((id) => {
      const changes = publicUpdates.flatMap((u) =>
        u.components.filter((c) => c.id === id).map((c) => ({ at: u.at, s: c.new })),
      );
      if (!changes.some((c) => c.s !== 'operational')) return [];
      let worst: ComponentStatus = 'operational';
      let down = 0;
      changes.forEach((c, i) => {
        if (rank(c.s) > rank(worst)) worst = c.s;
        if (c.s !== 'operational') down += (changes[i + 1]?.at ?? end) - c.at;
      });
      return [{ name: names.get(id)!, worst, minutes: Math.round(down / 60_000) }];
    });
    const last = publicUpdates.at(-1);
    const minutes = Math.round((end - start) / 60_000);
    return {
      title: clean(incident.publicTitle),
      summary: `${clean(incident.publicTitle)}: ${minutes} minutes, from ${new Date(start).toISOString()} to ${new Date(end).toISOString()}.${
        last ? ` ${clean(last.body)}` : ''
      }`,
      affected: { impact: incident.customerImpact ? clean(incident.customerImpact) : null, components },
      happened: publicUpdates.map((u) => ({ at: u.at, status: u.status, text: clean(u.body) })),
      doing: this.deps.postmortems.followups(incident.id).map((f) => clean(f.text)),
    };
  }
}

/** A short name for exactly this report text: what was previewed is what is confirmed. */
export function digestOf(report: PublicReport): string {
  return createHash('sha256').update(JSON.stringify(report)).digest('hex').slice(0, 10);
}
