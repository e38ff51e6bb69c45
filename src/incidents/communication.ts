import { ErrorCode, UserError } from '../lib/errors.ts';
import { moveCommsFromCommander } from './comms-lead.ts';
import { EffectKind, captureEffect, dutiesEffect, forIncident, noticeEffect, refreshEffects } from './effect-kinds.ts';
import { resolve, resolvedFirst } from './lifecycle.ts';
import type { Actor } from './permissions.ts';
import type { Core } from './core.ts';
import { recordUpdate, type UpdateOptions } from './record-update.ts';
import {
  DESCRIPTION_MAX,
  NOTE_MAX,
  type CapturedMessage,
  type Incident,
  type Role,
  type Status,
  type UserRef,
} from './types.ts';

/** An update from the comms lead: recorded, posted, and it resets the clock on the next one. */
export function postUpdate(
  core: Core,
  incidentId: number,
  status: Status,
  body: string,
  actor: Actor,
  options: UpdateOptions = {},
): Incident {
  const by = actor.id;
  const text = body.trim();
  if (!text)
    throw new UserError(
      ErrorCode.BadArgument,
      'An update needs a message: what is known, what is being done, when the next update comes.',
    );
  if (text.length > DESCRIPTION_MAX) {
    throw new UserError(
      ErrorCode.BadArgument,
      `An update has at most ${DESCRIPTION_MAX.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.`,
    );
  }
  const known = new Set(core.deps.policy.components.map((c) => c.id));
  const unknown = (options.components ?? []).filter((c) => !known.has(c.id)).map((c) => c.id);
  if (unknown.length > 0) {
    const list = [...known].join(', ') || 'none are configured';
    throw new UserError(
      ErrorCode.BadArgument,
      `Unknown component ${unknown.map((u) => `\`${u.slice(0, 40)}\``).join(', ')}; the components are: ${list}.`,
    );
  }
  // "resolved" is a resolution, with everything that brings (closing summary, PagerDuty, archive).
  if (status === 'resolved') return resolve(core, incidentId, actor, text, options);
  return core.transact((change) => {
    const incident = core.require(incidentId);
    if (options.public) core.authorize(incident, actor, 'publish');
    if (incident.status === 'resolved') throw resolvedFirst(incidentId);
    const { incidents } = core.deps;
    const cause = recordUpdate(core, change, incident, status, text, by, options);
    // The overview shows the status, not the updates: one that keeps the status redraws no one's.
    if (status === incident.status) change.overviewKept.add(Number(cause));
    const updated = incidents.updateAndGet(
      incidentId,
      { status, lastUpdateAt: change.at, updateDueAt: change.at + core.cadenceMs(incident.severity) },
      change.at,
    );
    change.effect(
      noticeEffect(incidentId, cause, { type: 'update', status, body: text, by, public: Boolean(options.public) }),
      dutiesEffect(incidentId, cause),
    );
    if (status !== incident.status) change.effect(...refreshEffects(incidentId, cause));
    return updated ?? core.require(incidentId);
  });
}

export function addNote(core: Core, incidentId: number, text: string, by: UserRef): void {
  const note = text.trim();
  if (!note) throw new UserError(ErrorCode.BadArgument, 'A note needs text.', { action: 'note' });
  if (note.length > NOTE_MAX) {
    throw new UserError(
      ErrorCode.BadArgument,
      `A note has at most ${NOTE_MAX.toLocaleString('en')} characters; this one has ${note.length.toLocaleString('en')}. Split it in two.`,
    );
  }
  // Not read first: the event's reference to the incident refuses one that does not exist (not found).
  core.transact((change) => change.event({ incidentId, kind: 'note', actor: by, body: note }));
}

/**
 * Hands a role to someone: announced in the channel, invited if they are not there yet. Giving a role
 * is for those the table names; taking a vacant one for yourself is for anyone (someone has to).
 * The two roles are kept apart: the comms lead made commander hands comms to the next candidate, and
 * the commander becomes comms lead too only when they confirm (`both`) that they will hold both.
 */
export function handOff(
  core: Core,
  incidentId: number,
  role: Role,
  to: UserRef,
  actor: Actor,
  opts: { both?: boolean } = {},
): Incident {
  const by = actor.id;
  return core.transact((change) => {
    const incident = core.require(incidentId);
    const { incidents } = core.deps;
    const holder = (r: Role) => incidents.roles(incidentId).find((x) => x.role === r)?.userId ?? null;
    const from = holder(role);
    const claimsVacant = from === null && to === by;
    if (!claimsVacant) core.authorize(incident, actor, role === 'commander' ? 'role_commander' : 'role_comms');
    const name = (u: UserRef) => core.deps.principalNames?.user(u) ?? u;
    if (from === to) {
      throw new UserError(
        ErrorCode.BadArgument,
        `${name(to)} is already the ${role === 'comms' ? 'comms lead' : role}.`,
      );
    }
    const commander = holder('commander');
    if (role === 'comms' && to === commander) {
      const reason =
        `${name(to)} is the commander, and the comms lead is kept a separate person: ` +
        'someone has to keep the updates going while the commander runs the response.';
      if (!opts.both)
        throw new UserError(
          ErrorCode.Conflict,
          `${reason} Give comms to someone else, or confirm that ${name(to)} will hold both.`,
          { action: 'hold_both' },
        );
      if (by !== to)
        throw new UserError(ErrorCode.Forbidden, `${reason} Only ${name(to)} can confirm they will hold both.`);
    }
    core.assignRole(change, incidentId, role, to, by);
    if (role === 'comms') incidents.update(incidentId, { commsNagAt: null }, change.at);
    const cause = String(change.at) + `:${role}:${to}`;
    change.effect(
      forIncident(incidentId, EffectKind.ChannelInvite, `handoff:${cause}`, { users: [to] }),
      noticeEffect(incidentId, cause, { type: 'handoff', role, from, to, by }),
    );
    const commsMoves = role === 'commander' && to === holder('comms');
    if (commsMoves) moveCommsFromCommander(core, change, incident, to, by, cause);
    change.effect(
      ...refreshEffects(incidentId, `handoff:${cause}`),
      ...(role === 'comms' || commsMoves ? [dutiesEffect(incidentId, `handoff:${cause}`)] : []),
    );
    return incident;
  });
}

/**
 * The scheduler's tick: one reminder per overdue interval, keyed by the due time it is about so a
 * tick repeated after a restart cannot post it twice; the next due time moves past `now`, so a bot
 * that was down for three intervals reminds once, not three times.
 */
export function sendReminders(core: Core, now: number): number {
  const { incidents, policy } = core.deps;
  return core.transact((change) => {
    let sent = 0;
    for (const incident of incidents.updatesDue(now)) {
      const cadence = core.cadenceMs(incident.severity);
      const due = incident.updateDueAt!;
      const comms = incidents.roles(incident.id).find((r) => r.role === 'comms')?.userId ?? null;
      change.effect(
        noticeEffect(incident.id, `due:${due}`, {
          type: 'update_overdue',
          comms,
          minutes: Math.round((now - (incident.lastUpdateAt ?? incident.declaredAt)) / 60_000),
        }),
      );
      incidents.update(incident.id, { updateDueAt: nextAfter(due, cadence, now) }, change.at);
      change.effect(dutiesEffect(incident.id, `due:${due}`));
      sent++;
    }
    const vacantMs = policy.commsVacantMinutes * 60_000;
    for (const incident of incidents.commsVacantDue(now)) {
      change.effect(noticeEffect(incident.id, `vacant:${incident.commsNagAt}`, { type: 'comms_vacant' }));
      incidents.update(incident.id, { commsNagAt: nextAfter(incident.commsNagAt!, vacantMs, now) }, change.at);
      sent++;
    }
    return sent;
  });
}

const nextAfter = (due: number, every: number, now: number) => due + every * (Math.floor((now - due) / every) + 1);

/** A message someone pinned or marked goes into the timeline (and so into the postmortem). */
export function captureMessage(core: Core, incidentId: number, m: CapturedMessage): void {
  core.transact((change) => {
    change.event({
      incidentId,
      kind: `message_${m.kind}`,
      actor: m.by,
      body: m.text.slice(0, DESCRIPTION_MAX),
      data: { author: m.author, ts: m.ts, permalink: m.permalink },
    });
  });
}

/**
 * Queues reading a pinned or marked message into the timeline. The event's id goes in the inbox in
 * the same transaction, so the chat's retries of the event are no-ops.
 */
export function requestCapture(
  core: Core,
  incidentId: number,
  eventId: string,
  message: Partial<CapturedMessage> & Pick<CapturedMessage, 'kind' | 'by' | 'ts'>,
): 'queued' | 'duplicate' {
  return core.transact((change) => {
    if (!core.deps.inbox.firstSeen(`${core.deps.chat.source}-events`, eventId, change.at)) return 'duplicate';
    change.effect(captureEffect(incidentId, eventId, { ...message }));
    return 'queued';
  });
}
