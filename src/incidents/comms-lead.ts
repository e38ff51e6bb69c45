import { ErrorCode, UserError } from '../lib/errors.ts';
import { ownValue } from '../lib/own-value.ts';
import type { Change, Core, Policy } from './core.ts';
import { EffectKind, dutiesEffect, forIncident, noticeEffect, onCallEffect, refreshEffects } from './effect-kinds.ts';
import { resolvedFirst } from './lifecycle.ts';
import type { Actor } from './permissions.ts';
import { pickCommsLead, type CommsPick } from './roles.ts';
import type { Incident, UserRef } from './types.ts';

/**
 * The comms lead, whichever way an incident started: chosen from the on-call schedule (per paging
 * service, else the default), then the rotation, never the commander; handed over when the commander
 * role reaches them; offered to the next person on call when the shift changes.
 */

/** The schedule an incident's comms lead follows: the one named for its paging service, else the default. */
export function commsScheduleFor(policy: Policy, serviceId: string | null): string | null {
  const { byService, fallback } = policy.commsSchedules;
  return (serviceId !== null ? ownValue(byService, serviceId) : undefined) ?? fallback;
}

const roleHolder = (core: Core, incidentId: number, role: 'commander' | 'comms') =>
  core.deps.incidents.roles(incidentId).find((r) => r.role === role)?.userId ?? null;

/**
 * Names the comms lead of an incident that has none, from those the schedule names now (`scheduled`)
 * and the rotation. Nobody: the role stays vacant and its reminders run. Returns the pick.
 * `incident` as read in this change, after its commander was named.
 */
export function nameCommsLead(
  core: Core,
  change: Change,
  incident: Incident,
  commander: UserRef | null,
  scheduled: UserRef[],
): CommsPick {
  const { incidents, policy } = core.deps;
  const pick = pickCommsLead(incidents, {
    scheduled,
    rotation: policy.commsRotation,
    commander,
    followsSchedule: incident.commsSchedule !== null,
  });
  if (pick.user) {
    core.assignRole(change, incident.id, 'comms', pick.user, null);
    incidents.update(incident.id, { commsNagAt: null }, change.at);
  } else if (incident.commsNagAt === null) {
    incidents.update(incident.id, { commsNagAt: change.at + policy.commsVacantMinutes * 60_000 }, change.at);
  }
  return pick;
}

/**
 * Starts following the schedule for changes of shift: who it names now is the shift to compare
 * with, and the next look is one interval later. `incident` as read in this change (naming a comms
 * lead leaves its schedule and shift look as they were).
 */
export function followShift(core: Core, change: Change, incident: Incident, scheduled: UserRef[]): void {
  if (incident.commsSchedule === null || incident.shiftCheckAt !== null) return;
  core.deps.incidents.update(
    incident.id,
    { commsOnCall: scheduled[0] ?? null, shiftCheckAt: change.at + core.deps.policy.shiftCheckMinutes * 60_000 },
    change.at,
  );
}

/**
 * The commander role went to the comms lead: comms moves to the next candidate (the person on call,
 * then the rotation; never the new commander), or is left vacant, saying why. Announced either way.
 */
export function moveCommsFromCommander(
  core: Core,
  change: Change,
  incident: Incident,
  newCommander: UserRef,
  by: string,
  cause: string,
): void {
  const { incidents, policy } = core.deps;
  const pick = pickCommsLead(incidents, {
    scheduled: incident.commsOnCall ? [incident.commsOnCall] : [],
    rotation: policy.commsRotation,
    commander: newCommander,
    followsSchedule: incident.commsSchedule !== null,
  });
  if (pick.user) {
    core.assignRole(change, incident.id, 'comms', pick.user, by);
    change.effect(forIncident(incident.id, EffectKind.ChannelInvite, `comms_moved:${cause}`, { users: [pick.user] }));
  } else {
    incidents.clearRole(incident.id, 'comms');
    change.event({
      incidentId: incident.id,
      kind: 'role_vacated',
      actor: by,
      data: { role: 'comms', from: newCommander, reason: pick.vacancy },
    });
    incidents.update(incident.id, { commsNagAt: change.at + policy.commsVacantMinutes * 60_000 }, change.at);
  }
  change.effect(
    noticeEffect(incident.id, cause, {
      type: 'comms_moved',
      from: newCommander,
      to: pick.user,
      vacancy: pick.vacancy,
      by,
    }),
  );
}

/**
 * The scheduler's tick: asks who each followed schedule names now, once per interval, keyed by the
 * look's due time so a tick repeated after a restart asks once; a bot that was down looks once.
 */
export function checkShifts(core: Core, now: number): number {
  const { incidents, policy } = core.deps;
  const every = policy.shiftCheckMinutes * 60_000;
  return core.transact((change) => {
    const due = incidents.shiftChecksDue(now);
    for (const incident of due) {
      const at = incident.shiftCheckAt!;
      change.effect(onCallEffect(incident.id, incident.commsSchedule!, at));
      incidents.update(incident.id, { shiftCheckAt: at + every * (Math.floor((now - at) / every) + 1) }, change.at);
    }
    return due.length;
  });
}

/**
 * What the schedule said at a look. When it names someone new, the shift changed: on the timeline,
 * and (unless they are comms lead already, or the commander) they are invited and offered the role.
 * Comparing with what was last seen makes a repeated answer a no-op, so nobody is offered it twice.
 */
export function shiftSeen(core: Core, incidentId: number, cause: string, scheduled: UserRef[]): 'same' | 'changed' {
  return core.transact((change) => {
    const { incidents } = core.deps;
    const incident = incidents.get(incidentId);
    if (!incident || incident.status === 'resolved') return 'same';
    const onCall = scheduled[0] ?? null;
    if (onCall === incident.commsOnCall) return 'same';
    incidents.update(incidentId, { commsOnCall: onCall }, change.at);
    const comms = roleHolder(core, incidentId, 'comms');
    const commander = roleHolder(core, incidentId, 'commander');
    change.event({
      incidentId,
      kind: 'shift_changed',
      actor: null,
      // `user`: who is on call now (named in the report like anyone a role event names).
      data: { schedule: incident.commsSchedule, from: incident.commsOnCall, user: onCall, comms },
    });
    if (onCall && onCall !== comms && onCall !== commander) {
      incidents.update(incidentId, { commsOfferTo: onCall }, change.at);
      change.effect(
        forIncident(incidentId, EffectKind.ChannelInvite, `shift:${cause}`, { users: [onCall] }),
        noticeEffect(incidentId, `shift:${cause}`, { type: 'comms_offer', incidentId, to: onCall, comms }),
      );
    }
    return 'changed';
  });
}

/** The person the comms role was offered to at a change of shift takes it; nobody else may. */
export function acceptCommsOffer(core: Core, incidentId: number, actor: Actor): Incident {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    const { incidents, principalNames } = core.deps;
    const name = (u: string) => principalNames?.user(u) ?? u;
    if (incident.status === 'resolved') throw resolvedFirst(incidentId);
    const comms = roleHolder(core, incidentId, 'comms');
    if (comms === actor.id) throw new UserError(ErrorCode.BadArgument, 'You are already the comms lead.');
    if (incident.commsOfferTo !== actor.id) {
      const whom = incident.commsOfferTo ? `${name(incident.commsOfferTo)}, who is on call now` : 'nobody any more';
      throw new UserError(ErrorCode.Forbidden, `This offer is for ${whom}; only they can accept it.`);
    }
    if (roleHolder(core, incidentId, 'commander') === actor.id)
      throw new UserError(
        ErrorCode.Conflict,
        'You are the commander now; the comms lead is kept a separate person. Hand the commander role on first.',
      );
    core.assignRole(change, incidentId, 'comms', actor.id, actor.id);
    incidents.update(incidentId, { commsNagAt: null, commsOfferTo: null }, change.at);
    change.event({
      incidentId,
      kind: 'shift_handover',
      actor: actor.id,
      data: { role: 'comms', from: comms, to: actor.id },
    });
    const cause = `${change.at}:${actor.id}`;
    change.effect(
      noticeEffect(incidentId, cause, { type: 'handoff', role: 'comms', from: comms, to: actor.id, by: actor.id }),
      ...refreshEffects(incidentId, `shift_handover:${cause}`),
      dutiesEffect(incidentId, `shift_handover:${cause}`),
    );
    return core.require(incidentId);
  });
}
