import type { Core } from './core.ts';
import { EffectKind, forIncident, noticeEffect, openRoomEffects } from './effect-kinds.ts';
import { pickCommsLead } from './roles.ts';
import type { ResolvedPerson, UserRef } from './types.ts';

/**
 * Records who was found for an incident's external people, names the roles still open, and
 * asks for the room (purpose 'staff') or for invitations into it (purpose 'invite').
 */
export function staff(
  core: Core,
  incidentId: number,
  purpose: 'staff' | 'invite',
  cause: string,
  people: ResolvedPerson[],
  scheduled: UserRef[],
): void {
  const { incidents, policy } = core.deps;
  core.transact((change) => {
    const found = people.map((p) => p.userId).filter((u): u is UserRef => Boolean(u));
    const missing = people
      .filter((p) => !p.userId)
      .map((p) => ({ name: p.external.name, reason: p.reason ?? 'not found' }));
    if (purpose === 'staff') {
      const roles = incidents.roles(incidentId);
      let commander = roles.find((r) => r.role === 'commander')?.userId ?? null;
      if (!commander && found[0]) commander = core.assignRole(change, incidentId, 'commander', found[0], null);
      let comms = roles.find((r) => r.role === 'comms')?.userId ?? null;
      if (!comms) {
        const pick = pickCommsLead(incidents, { scheduled, rotation: policy.commsRotation, commander });
        if (pick) {
          comms = core.assignRole(change, incidentId, 'comms', pick, null);
          incidents.update(incidentId, { commsNagAt: null }, change.at);
        }
      }
      const invitees = [...found, ...(commander ? [commander] : []), ...(comms ? [comms] : [])];
      change.effect(
        ...openRoomEffects(incidentId, invitees),
        noticeEffect(incidentId, cause, { type: 'roles', commander, comms }),
      );
    } else if (found.length > 0) {
      const users = [...new Set(found)].sort();
      change.effect(forIncident(incidentId, EffectKind.ChannelInvite, `${cause}:${users.join(',')}`, { users }));
    }
    if (missing.length > 0)
      change.effect(noticeEffect(incidentId, cause, { type: 'unresolved_people', people: missing }));
  });
}
