import { ErrorCode, UserError } from '../lib/errors.ts';
import { startClocks, type Core } from './core.ts';
import { commsScheduleFor, nameCommsLead } from './comms-lead.ts';
import { dutiesEffect, noticeEffect, openRoomEffects, resolvePeopleEffect } from './effect-kinds.ts';
import {
  DESCRIPTION_MAX,
  TITLE_MAX,
  type ComponentStatus,
  type Incident,
  type Severity,
  type UserRef,
} from './types.ts';

export interface DeclareInput {
  title: string;
  /** What the public calls it; the title when absent (the edge removes what must not go public). */
  publicTitle?: string;
  description?: string | null;
  severity: Severity;
  declaredBy: UserRef;
  source: string;
  commander?: UserRef;
  /** Components affected from the start (shown once the incident is published). */
  components?: { id: string; status: ComponentStatus }[];
  /** A private room, shown only to its people (security incidents). */
  private?: boolean;
}

/** A person opens an incident: its roles, clocks and room, in one transaction. */
export function declare(core: Core, input: DeclareInput): Incident {
  const title = input.title.trim();
  if (title.length === 0) throw new UserError(ErrorCode.BadArgument, 'An incident needs a title.');
  if (title.length > TITLE_MAX)
    throw new UserError(ErrorCode.BadArgument, `An incident title has at most ${TITLE_MAX} characters.`);
  const publicTitle = input.publicTitle?.trim() || title;
  if (publicTitle.length > TITLE_MAX)
    throw new UserError(ErrorCode.BadArgument, `A public name has at most ${TITLE_MAX} characters.`);
  const description = input.description?.trim() || null;
  if (description && description.length > DESCRIPTION_MAX) {
    throw new UserError(ErrorCode.BadArgument, `A description has at most ${DESCRIPTION_MAX} characters.`);
  }
  const { incidents, updates, policy } = core.deps;
  const commander = input.commander ?? input.declaredBy;
  const known = new Set(policy.components.map((c) => c.id));
  const unknown = (input.components ?? []).filter((c) => !known.has(c.id));
  if (unknown.length > 0)
    throw new UserError(
      ErrorCode.BadArgument,
      `Unknown component ${unknown.map((c) => c.id.slice(0, 40)).join(', ')}.`,
    );
  const id = core.transact((change) => {
    const incidentId = incidents.insert({
      title,
      publicTitle,
      description,
      severity: input.severity,
      source: input.source,
      externalId: null,
      declaredBy: input.declaredBy,
      declaredAt: change.at,
      private: input.private ?? false,
    });
    change.event({
      incidentId,
      kind: 'declared',
      actor: input.declaredBy,
      body: title,
      data: { severity: input.severity, source: input.source, ...(input.private ? { private: true } : {}) },
    });
    core.assignRole(change, incidentId, 'commander', commander, input.declaredBy);
    for (const c of input.components ?? []) updates.setComponentStatus(incidentId, c.id, c.status, change.at);
    // With an on-call schedule the comms lead is whoever it names, looked up beside the room (which
    // never waits for it); without one, the rotation names them now.
    const schedule = commsScheduleFor(policy, null);
    if (schedule) incidents.update(incidentId, { commsSchedule: schedule }, change.at);
    const pick = schedule ? null : nameCommsLead(core, change, incidents.get(incidentId)!, commander, []);
    const comms = pick?.user ?? null;
    startClocks(core, change, incidentId, input.severity, comms);
    change.effect(
      ...openRoomEffects(incidentId, [input.declaredBy, commander, ...(comms ? [comms] : [])]),
      noticeEffect(incidentId, 'declared', {
        type: 'roles',
        commander,
        comms,
        ...(pick?.vacancy ? { vacancy: pick.vacancy } : {}),
        ...(schedule ? { lookingUp: true } : {}),
      }),
      ...(comms ? [dutiesEffect(incidentId, 'declared')] : []),
      ...(schedule ? [resolvePeopleEffect(incidentId, 'declared', input.source, [], 'staff', schedule)] : []),
    );
    return incidentId;
  });
  return incidents.get(id)!;
}
