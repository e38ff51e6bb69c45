import type { NewEffect } from '../outbox/types.ts';
import type { Announcement } from './announcement-repository.ts';
import type { Change, Core } from './core.ts';
import { EffectKind, forIncident, type Notice } from './effect-kinds.ts';
import { SEVERITIES, type Incident, type Severity, type Status } from './types.ts';

/**
 * What the thread under an incident's announcement is told, one line per change. `by` is whoever
 * did it as the change names them (a chat user, or a name from a paging system), null if unknown.
 */
export type AnnouncementLine =
  | { type: 'severity'; from: Severity; to: Severity; by: string | null }
  | { type: 'status'; from: Status; to: Status; by: string | null }
  | { type: 'resolved'; by: string | null; durationMs: number }
  | { type: 'reopened'; by: string | null }
  | { type: 'report'; url: string };

export type AnnounceOutcome = 'announced' | 'already_announced' | 'private' | 'not_configured';

/** sev1 is the most severe: an incident is announced when it is at least as severe as the threshold. */
export const atLeast = (severity: Severity, threshold: Severity): boolean =>
  SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);

/** The summary is rendered at delivery from the incident as it is then: the row only says when to redraw it. */
const summaryEffect = (incidentId: number, cause: string): NewEffect =>
  forIncident(incidentId, EffectKind.AnnouncementSummary, cause);

const lineEffect = (incidentId: number, cause: string, line: AnnouncementLine): NewEffect =>
  forIncident(incidentId, EffectKind.AnnouncementLine, `${line.type}:${cause}`, { line });

/** The room's effects that mean "something people follow changed", and so key what the announcement says of it. */
const TRIGGERS = new Set<string>([EffectKind.ChannelCreate, EffectKind.ChannelNotice, EffectKind.ChannelUpdateSummary]);

/** The change's notices for one incident, by type (the first of each). */
function noticesOf(change: Change, incidentId: number): Map<Notice['type'], Notice> {
  const found = new Map<Notice['type'], Notice>();
  for (const e of change.effects) {
    if (e.incidentId !== incidentId || e.kind !== EffectKind.ChannelNotice) continue;
    const notice = e.payload.notice as Notice;
    if (!found.has(notice.type)) found.set(notice.type, notice);
  }
  return found;
}

const byOf = (notice: Notice | undefined): string | null =>
  notice && 'by' in notice && typeof notice.by === 'string' ? notice.by : null;

/** What changed since the thread was last told, as lines; and what it is told now. */
function linesSince(told: Announcement, incident: Incident, notices: Map<Notice['type'], Notice>): AnnouncementLine[] {
  const lines: AnnouncementLine[] = [];
  if (incident.severity !== told.severity)
    lines.push({
      type: 'severity',
      from: told.severity,
      to: incident.severity,
      by: byOf(notices.get('severity_changed')),
    });
  if (incident.status !== told.status) {
    if (incident.status === 'resolved') {
      const durationMs = (incident.resolvedAt ?? incident.updatedAt) - incident.declaredAt;
      lines.push({ type: 'resolved', by: byOf(notices.get('resolved')), durationMs });
    } else if (told.status === 'resolved') {
      lines.push({ type: 'reopened', by: byOf(notices.get('reopened')) });
    } else {
      const by = byOf(notices.get('mitigated') ?? notices.get('update'));
      lines.push({ type: 'status', from: told.status, to: incident.status, by });
    }
  }
  const report = notices.get('postmortem');
  if (report?.type === 'postmortem' && report.url && !report.edited && report.url !== told.reportUrl)
    lines.push({ type: 'report', url: report.url });
  return lines;
}

/**
 * What a change means for announcements, worked out inside its transaction from what it did: an
 * incident opened, or raised, to the threshold is announced; an announced one has its summary
 * redrawn when the room's is, and a line threaded for each change of severity or status and for its
 * report. A private incident is never announced: not even its existence leaves its people.
 */
export function announcementEffects(core: Core, change: Change): NewEffect[] {
  const { announcements: repo, incidents, policy } = core.deps;
  if (!repo || !policy.announcements) return [];
  const threshold = policy.announcements.minSeverity;
  const ids = new Set(change.effects.map((e) => e.incidentId).filter((id): id is number => id !== null));
  const effects: NewEffect[] = [];
  for (const id of ids) {
    const trigger = change.effects.find((e) => e.incidentId === id && TRIGGERS.has(e.kind));
    const incident = trigger && incidents.get(id);
    if (!trigger || !incident || incident.private) continue;
    // The room's key names the change's cause (a timeline event or a delivery id): retried, it keys the same rows.
    const cause = trigger.idempotencyKey.slice(`incident:${id}:`.length);
    const notices = noticesOf(change, id);
    const told = repo.get(id);
    if (!told) {
      const opened = change.events.some((e) => e.incidentId === id && (e.kind === 'declared' || e.kind === 'paged'));
      const raised = notices.get('severity_changed');
      if (!(opened || raised) || incident.status === 'resolved' || !atLeast(incident.severity, threshold)) continue;
      repo.start({
        incidentId: id,
        severity: incident.severity,
        status: incident.status,
        reportUrl: null,
        announcedAt: change.at,
      });
      effects.push(summaryEffect(id, cause));
      // Announced because it was raised: the thread starts with why.
      if (raised?.type === 'severity_changed')
        effects.push(
          lineEffect(id, cause, {
            type: 'severity',
            from: raised.from as Severity,
            to: incident.severity,
            by: raised.by,
          }),
        );
      continue;
    }
    const lines = linesSince(told, incident, notices);
    const redraw =
      lines.length > 0 || change.effects.some((e) => e.incidentId === id && e.kind === EffectKind.ChannelUpdateSummary);
    if (!redraw) continue;
    const report = lines.find((l) => l.type === 'report');
    repo.told({
      incidentId: id,
      severity: incident.severity,
      status: incident.status,
      reportUrl: report?.url ?? told.reportUrl,
    });
    effects.push(summaryEffect(id, cause), ...lines.map((line) => lineEffect(id, cause, line)));
  }
  return effects;
}

/**
 * Announces an incident now, whatever its severity (an automation's `announce`). Private incidents
 * are never announced; one already announced stays as it is (its summary is kept current anyway).
 * `cause` keys the effect, so the same request made twice posts once.
 */
export function announceNow(core: Core, incidentId: number, cause: string): AnnounceOutcome {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    const { announcements: repo, policy } = core.deps;
    if (incident.private) return 'private';
    if (!repo || !policy.announcements) return 'not_configured';
    if (repo.get(incidentId)) return 'already_announced';
    repo.start({
      incidentId,
      severity: incident.severity,
      status: incident.status,
      reportUrl: null,
      announcedAt: change.at,
    });
    change.effect(summaryEffect(incidentId, `announce:${cause}`));
    return 'announced';
  });
}
