import type { Core } from './core.ts';
import { followShift, nameCommsLead } from './comms-lead.ts';
import {
  dutiesEffect,
  EffectKind,
  forIncident,
  noticeEffect,
  openRoomEffects,
  refreshEffects,
} from './effect-kinds.ts';
import type { CommsVacancy } from './roles.ts';
import type { ResolvedPerson, UserRef } from './types.ts';

/**
 * Records who was found for an incident's external people: names the roles still open and
 * invites the people into the room (purpose 'staff'), or only invites them (purpose 'invite').
 * The room itself was asked for when the page arrived; these rows follow its own in order.
 */
export function staff(
  core: Core,
  incidentId: number,
  purpose: 'staff' | 'invite',
  cause: string,
  people: ResolvedPerson[],
  scheduled: UserRef[],
): void {
  const { incidents } = core.deps;
  core.transact((change) => {
    const found = people.map((p) => p.userId).filter((u): u is UserRef => Boolean(u));
    const missing = people
      .filter((p) => !p.userId)
      .map((p) => ({ name: p.external.name, reason: p.reason ?? 'not found' }));
    if (purpose === 'staff') {
      const roles = incidents.roles(incidentId);
      let commander = roles.find((r) => r.role === 'commander')?.userId ?? null;
      if (!commander && found[0])
        commander = core.assignRole(change, incidentId, 'commander', found[0], null, { from: null });
      let comms = roles.find((r) => r.role === 'comms')?.userId ?? null;
      // Read once, after the commander is named: naming the comms lead and following a shift leave its room as it is.
      const incident = incidents.get(incidentId)!;
      let vacancy: CommsVacancy | null = null;
      if (!comms) {
        const pick = nameCommsLead(core, change, incident, commander, scheduled);
        comms = pick.user;
        vacancy = pick.vacancy;
      }
      followShift(core, change, incident, scheduled);
      const invitees = [...found, ...(commander ? [commander] : []), ...(comms ? [comms] : [])];
      // A lookup queued by an earlier version came before its room, which nobody asked for yet. Asking
      // again is safe: without a channel, the room's rows are pending or dead (never pruned), and
      // their idempotency keys make this a no-op.
      const room = incident.channelId ? [] : openRoomEffects(incidentId, []);
      change.effect(
        ...room,
        ...invite(incidentId, cause, invitees),
        ...refreshEffects(incidentId, cause),
        noticeEffect(incidentId, cause, { type: 'roles', commander, comms, ...(vacancy ? { vacancy } : {}) }),
        ...(comms ? [dutiesEffect(incidentId, cause)] : []),
      );
    } else {
      change.effect(...invite(incidentId, cause, found));
    }
    if (missing.length > 0)
      change.effect(noticeEffect(incidentId, cause, { type: 'unresolved_people', people: missing }));
  });
}

function invite(incidentId: number, cause: string, people: UserRef[]) {
  const users = [...new Set(people)].sort();
  if (users.length === 0) return [];
  return [forIncident(incidentId, EffectKind.ChannelInvite, `${cause}:${users.join(',')}`, { users })];
}

/**
 * Tells the room that its people lookup could not reach the paging system. Keyed by the lookup
 * (`cause`), so however often it retries, the room hears it once.
 */
export function peopleUnreachable(core: Core, incidentId: number, cause: string, via: string, refused: boolean): void {
  core.transact((change) => {
    change.effect(noticeEffect(incidentId, cause, { type: 'people_unreachable', via, refused }));
  });
}
