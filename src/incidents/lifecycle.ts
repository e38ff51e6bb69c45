import { ErrorCode, UserError, isUserError } from '../lib/errors.ts';
import {
  archiveEffect,
  dutiesEffect,
  noticeEffect,
  postmortemEffect,
  refreshEffects,
  resolvePageEffect,
  setExternalStatusEffect,
} from './effect-kinds.ts';
import { severityLabel } from './labels.ts';
import { recordUpdate, type UpdateOptions } from './record-update.ts';
import type { Change, Core } from './core.ts';
import type { PageStatus } from './page-repository.ts';
import type { Actor, IncidentAction } from './permissions.ts';
import type { Incident, Severity, UserRef } from './types.ts';

/** Writes a status set in chat back to every external incident (e.g. a page) linked to this one. */
function syncExternal(
  core: Core,
  change: Change,
  incident: Incident,
  cause: string,
  status: 'acknowledged' | 'resolved',
  note: string | null,
) {
  if (incident.source === core.deps.chat.source) return;
  for (const externalId of core.deps.incidents.links(incident.id, incident.source)) {
    change.effect(setExternalStatusEffect(incident.id, cause, incident.source, externalId, status, note));
  }
}

/** A change that a resolved incident does not take; reopening is what would let it. */
export const resolvedFirst = (incidentId: number): UserError =>
  new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is resolved; reopen it first.`, { action: 'reopen' });

export function acknowledge(core: Core, incidentId: number, by: UserRef): Incident {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    if (incident.acknowledgedAt !== null) {
      throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} was already acknowledged.`);
    }
    core.deps.incidents.update(incidentId, { acknowledgedAt: change.at }, change.at);
    const via = core.deps.chat.source;
    const cause = core.record(change, { incidentId, kind: 'acknowledged', actor: by, data: { via } });
    change.effect(
      noticeEffect(incidentId, cause, { type: 'acknowledged', by, via }),
      ...refreshEffects(incidentId, cause),
    );
    syncExternal(core, change, incident, cause, 'acknowledged', null);
    return core.require(incidentId);
  });
}

/** The fix is in and being watched: Heroku's and Statuspage's "monitoring". */
export function mitigate(core: Core, incidentId: number, by: UserRef): Incident {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    if (incident.status === 'resolved') throw resolvedFirst(incidentId);
    if (incident.mitigatedAt !== null)
      throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is already mitigated.`);
    core.deps.incidents.update(incidentId, { mitigatedAt: change.at, status: 'monitoring' }, change.at);
    const cause = core.record(change, { incidentId, kind: 'mitigated', actor: by });
    change.effect(noticeEffect(incidentId, cause, { type: 'mitigated', by }), ...refreshEffects(incidentId, cause));
    return core.require(incidentId);
  });
}

/**
 * Everything resolving means, wherever it was resolved (in chat or by a paging system): customers told if they
 * were, clocks stopped, the closing summary, the archive scheduled and the report drafted.
 */
export function closeIncident(
  core: Core,
  change: Change,
  incident: Incident,
  opts: {
    by: string;
    via: string;
    note: string | null;
    cause: string;
    resolvedAt: number;
    public?: boolean;
    confirmPrivate?: boolean;
    notePublic?: boolean;
  },
): void {
  const { incidents, policy } = core.deps;
  if (incident.publicAt !== null || opts.public) {
    const components = core.deps.updates
      .componentStatuses(incident.id)
      .map((c) => ({ id: c.id, status: 'operational' as const }));
    const text = (opts.notePublic !== false && opts.note) || 'This incident has been resolved.';
    recordUpdate(core, change, incident, 'resolved', text, opts.by, {
      public: true,
      components,
      confirmPrivate: opts.confirmPrivate,
    });
  }
  incidents.update(
    incident.id,
    { status: 'resolved', resolvedAt: opts.resolvedAt, updateDueAt: null, commsNagAt: null },
    change.at,
  );
  const responders = new Set(incidents.roles(incident.id).map((r) => r.userId)).size;
  change.effect(
    noticeEffect(incident.id, opts.cause, { type: 'resolved', by: opts.by, via: opts.via, note: opts.note }),
    noticeEffect(incident.id, opts.cause, {
      type: 'closing_summary',
      declaredAt: incident.declaredAt,
      acknowledgedAt: incident.acknowledgedAt,
      mitigatedAt: incident.mitigatedAt,
      resolvedAt: opts.resolvedAt,
      responders,
    }),
    ...refreshEffects(incident.id, opts.cause),
    dutiesEffect(incident.id, opts.cause),
    archiveEffect(incident.id, opts.resolvedAt, change.at + policy.archiveAfterMinutes * 60_000),
  );
  if (policy.postmortemOnResolve) change.effect(postmortemEffect(incident.id, opts.cause, false));
  // The help it asked for is no longer needed: left open, those pages would go on escalating.
  for (const page of core.deps.pages?.ofIncident(incident.id) ?? [])
    if (OPEN_PAGE.has(page.status)) change.effect(resolvePageEffect(incident.id, opts.cause, page.id));
}

const OPEN_PAGE: ReadonlySet<PageStatus> = new Set(['requested', 'created', 'acknowledged']);

/** Whether the actor may do the action (the same check as `authorize`, as a yes or no). */
function mayDo(core: Core, incident: Incident, actor: Actor, action: IncidentAction): boolean {
  try {
    core.authorize(incident, actor, action);
    return true;
  } catch (error) {
    if (isUserError(error) && error.code === ErrorCode.Forbidden) return false;
    throw error;
  }
}

/** Every way of resolving from chat comes here (the command, the button, an update saying "resolved"). */
export function resolve(
  core: Core,
  incidentId: number,
  actor: Actor,
  note: string | null,
  options: UpdateOptions = {},
): Incident {
  const by = actor.id;
  return core.transact((change) => {
    const incident = core.require(incidentId);
    core.authorize(incident, actor, 'resolve');
    if (options.public) core.authorize(incident, actor, 'publish');
    if (incident.status === 'resolved')
      throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is already resolved.`);
    const via = core.deps.chat.source;
    const cause = core.record(change, { incidentId, kind: 'resolved', actor: by, body: note, data: { via } });
    // Resolving a public incident tells customers; only someone who may publish chooses the words.
    const notePublic = mayDo(core, incident, actor, 'publish');
    closeIncident(core, change, incident, {
      by,
      via,
      note,
      cause,
      resolvedAt: change.at,
      public: options.public,
      confirmPrivate: options.confirmPrivate,
      notePublic,
    });
    syncExternal(core, change, incident, cause, 'resolved', note);
    return core.require(incidentId);
  });
}

export function reopen(core: Core, incidentId: number, actor: Actor): Incident {
  const by = actor.id;
  return core.transact((change) => {
    const incident = core.require(incidentId);
    core.authorize(incident, actor, 'reopen');
    if (incident.status !== 'resolved')
      throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is not resolved.`);
    const due = change.at + core.cadenceMs(incident.severity);
    core.deps.incidents.update(incidentId, { status: 'investigating', resolvedAt: null, updateDueAt: due }, change.at);
    const via = core.deps.chat.source;
    const cause = core.record(change, { incidentId, kind: 'reopened', actor: by, data: { via } });
    change.effect(
      noticeEffect(incidentId, cause, { type: 'reopened', by, via }),
      ...refreshEffects(incidentId, cause),
      dutiesEffect(incidentId, cause),
    );
    return core.require(incidentId);
  });
}

export function setSeverity(core: Core, incidentId: number, severity: Severity, actor: Actor): Incident {
  const by = actor.id;
  return core.transact((change) => {
    const incident = core.require(incidentId);
    core.authorize(incident, actor, 'severity');
    if (incident.severity === severity)
      throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is already ${severityLabel({ severity })}.`);
    // A new severity brings its own cadence, counted from the last update (or the declaration).
    const from = incident.lastUpdateAt ?? incident.declaredAt;
    const due = incident.status === 'resolved' ? null : Math.max(from + core.cadenceMs(severity), change.at);
    core.deps.incidents.update(incidentId, { severity, updateDueAt: due }, change.at);
    const via = core.deps.chat.source;
    const cause = core.record(change, {
      incidentId,
      kind: 'severity_changed',
      actor: by,
      data: { from: incident.severity, to: severity, via },
    });
    change.effect(
      noticeEffect(incidentId, cause, { type: 'severity_changed', from: incident.severity, to: severity, by, via }),
      ...refreshEffects(incidentId, cause),
      dutiesEffect(incidentId, cause),
    );
    return core.require(incidentId);
  });
}
