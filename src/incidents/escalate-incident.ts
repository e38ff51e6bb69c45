import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Core } from './core.ts';
import { escalateEffect, noticeEffect } from './effect-kinds.ts';
import { pagingOf } from './page-from-incident.ts';
import type { Actor } from './permissions.ts';

export interface EscalateOptions {
  /** Which external incident (default: the page that opened the incident, else the newest page sent from it). */
  externalId?: string;
  /** What asked (an automation's firing): asking again for the same cause escalates once. */
  cause?: string;
  /** A person asking is checked against the `page` rule; none is an automation acting on the team's rules. */
  by?: Actor | null;
}

export interface Escalation {
  externalId: string;
  level: number;
  /** True when this cause had already escalated: nothing new was asked for. */
  repeated: boolean;
}

/**
 * Moves the incident's page to the next escalation level of its policy, through the outbox. The level
 * is counted here (one above the last the bot asked for, 2 the first time, as every page starts at 1),
 * and each level of each external incident is asked for once unless the paging system refused it.
 */
export function escalateIncident(core: Core, incidentId: number, opts: EscalateOptions = {}): Escalation {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    const { paging, pages } = pagingOf(core);
    if (opts.by) core.authorize(incident, opts.by, 'page');
    if (opts.cause) {
      const earlier = pages.escalationByCause(incidentId, opts.cause);
      if (earlier) return { externalId: earlier.externalId, level: earlier.level, repeated: true };
    }
    if (incident.status === 'resolved')
      throw new UserError(
        ErrorCode.BadArgument,
        `Incident #${incidentId} is resolved; there is nobody to escalate to.`,
      );
    const externalId = opts.externalId ?? pageToEscalate(core, incidentId, paging.source);
    if (!externalId)
      throw new UserError(
        ErrorCode.BadArgument,
        `Incident #${incidentId} has no ${paging.name} incident to escalate: it was not paged, and no page was sent from it.`,
      );
    const level = pages.currentLevel(incidentId, paging.source, externalId) + 1;
    const by = opts.by?.id ?? null;
    const escalationId = pages.insertEscalation(
      { incidentId, source: paging.source, externalId, level, requestedBy: by, cause: opts.cause ?? null },
      change.at,
    );
    core.record(change, {
      incidentId,
      kind: 'escalation_requested',
      actor: by,
      body: null,
      data: { via: paging.source, external_id: externalId, level, escalation_id: escalationId },
    });
    change.effect(escalateEffect(incidentId, escalationId, externalId, level));
    return { externalId, level, repeated: false };
  });
}

/** The page that opened the incident, else the newest page sent from it that the paging system made. */
function pageToEscalate(core: Core, incidentId: number, source: string): string | null {
  const incident = core.require(incidentId);
  if (incident.source === source && incident.externalId) return incident.externalId;
  const sent = core.deps.pages!.ofIncident(incidentId).filter((p) => p.externalId && p.status !== 'resolved');
  return sent.at(-1)?.externalId ?? null;
}

/** The paging system moved it: the room hears which level. */
export function escalationDone(core: Core, escalationId: number, cause: string): void {
  core.transact((change) => {
    const pages = core.deps.pages!;
    const e = pages.escalation(escalationId);
    if (!e || !pages.escalationDone(escalationId)) return;
    change.effect(
      noticeEffect(e.incidentId, cause, {
        type: 'page_escalated',
        via: core.deps.policy.paging?.name ?? e.source,
        externalId: e.externalId,
        level: e.level,
        by: e.requestedBy,
      }),
    );
  });
}

/** The paging system refused the level (e.g. the policy has no such level): recorded, and the room told why. */
export function escalationRefused(core: Core, escalationId: number, reason: string, cause: string): void {
  core.transact((change) => {
    const pages = core.deps.pages!;
    const e = pages.escalation(escalationId);
    if (!e || !pages.escalationRefused(escalationId, reason)) return;
    change.event({
      incidentId: e.incidentId,
      kind: 'escalation_refused',
      actor: null,
      body: reason,
      data: { via: e.source, external_id: e.externalId, level: e.level },
    });
    change.effect(
      noticeEffect(e.incidentId, cause, {
        type: 'escalation_refused',
        via: core.deps.policy.paging?.name ?? e.source,
        externalId: e.externalId,
        level: e.level,
        reason,
      }),
    );
  });
}
