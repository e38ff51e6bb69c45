import type { Db } from '../db/open.ts';
import { ErrorCode, UserError } from '../errors.ts';
import type { InboxRepository } from '../inbox/repository.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import type { NewEffect } from '../outbox/types.ts';
import {
  EffectKind,
  forIncident,
  noticeEffect,
  openRoomEffects,
  refreshEffects,
  setExternalStatusEffect,
} from './effects.ts';
import { applyExternalEvent, type ApplyOutcome, type ExternalEvent } from './external-events.ts';
import type { IncidentRepository, IncidentPatch, NewTimelineEvent } from './repository.ts';
import { pickCommsLead } from './roles.ts';
import { DESCRIPTION_MAX, TITLE_MAX, type Incident, type ResolvedPerson, type Role, type Severity, type UserRef } from './types.ts';

export interface IncidentServiceDeps {
  db: Db;
  incidents: IncidentRepository;
  outbox: OutboxRepository;
  inbox: InboxRepository;
  now: () => number;
  /** Slack users who take turns as communications lead when no on-call schedule names one. */
  commsRotation: UserRef[];
  /** Called after a transaction that enqueued effects has committed, so delivery starts at once. */
  onEffectsEnqueued: () => void;
}

export interface DeclareInput {
  title: string;
  description?: string | null;
  severity: Severity;
  declaredBy: UserRef;
  source: string;
  externalId?: string | null;
  commander?: UserRef;
}

/**
 * What a change does inside its transaction: timeline events to append, effects to enqueue.
 * Collected, then written together, so every change is one transaction with its consequences.
 */
export class Change {
  readonly events: NewTimelineEvent[] = [];
  readonly effects: NewEffect[] = [];
  constructor(readonly at: number) {}
  event(e: Omit<NewTimelineEvent, 'at'> & { at?: number }): this {
    this.events.push({ at: this.at, ...e });
    return this;
  }
  effect(...effects: NewEffect[]): this {
    this.effects.push(...effects);
    return this;
  }
}

/** The incident domain: every change is one transaction that also records its timeline and effects. */
export class IncidentService {
  constructor(private readonly deps: IncidentServiceDeps) {}

  /** Runs `fn` in a transaction, writes what it collected, and wakes the outbox after commit. */
  private transact<T>(fn: (change: Change) => T): T {
    const { db, incidents, outbox } = this.deps;
    let enqueued = false;
    const result = db.transaction(() => {
      const change = new Change(this.deps.now());
      const value = fn(change);
      for (const e of change.events) incidents.appendEvent(e);
      for (const e of change.effects) enqueued = outbox.enqueue(e, change.at) || enqueued;
      return value;
    })();
    if (enqueued) {
      // Nested in a caller's transaction (an outbox commit): wake the worker only once that commits.
      if (db.inTransaction) setImmediate(this.deps.onEffectsEnqueued);
      else this.deps.onEffectsEnqueued();
    }
    return result;
  }

  declare(input: DeclareInput): Incident {
    const title = input.title.trim();
    if (title.length === 0) throw new UserError(ErrorCode.BadArgument, 'An incident needs a title.');
    if (title.length > TITLE_MAX) {
      throw new UserError(ErrorCode.BadArgument, `An incident title has at most ${TITLE_MAX} characters.`);
    }
    const description = input.description?.trim() || null;
    if (description && description.length > DESCRIPTION_MAX) {
      throw new UserError(ErrorCode.BadArgument, `A description has at most ${DESCRIPTION_MAX} characters.`);
    }
    const { incidents } = this.deps;
    const commander = input.commander ?? input.declaredBy;
    const id = this.transact((change) => {
      const incidentId = incidents.insert({
        title,
        description,
        severity: input.severity,
        source: input.source,
        externalId: input.externalId ?? null,
        declaredBy: input.declaredBy,
        declaredAt: change.at,
      });
      change.event({ incidentId, kind: 'declared', actor: input.declaredBy, body: title, data: { severity: input.severity, source: input.source } });
      this.assignRole(change, incidentId, 'commander', commander, input.declaredBy);
      change.effect(...openRoomEffects(incidentId, [input.declaredBy, commander]));
      return incidentId;
    });
    return incidents.get(id)!;
  }

  /** Applies an event from a paging system (already verified and mapped by its edge). */
  applyExternal(event: ExternalEvent): { outcome: ApplyOutcome; incidentId: number | null } {
    return this.transact((change) => applyExternalEvent(this.deps, change, event));
  }

  /**
   * Records who was found for an incident's external people, names the roles still open, and
   * asks for the room (purpose 'staff') or for invitations into it (purpose 'invite').
   */
  staff(incidentId: number, purpose: 'staff' | 'invite', cause: string, people: ResolvedPerson[], scheduled: UserRef[]): void {
    const { incidents, commsRotation } = this.deps;
    this.transact((change) => {
      const found = people.map((p) => p.userId).filter((u): u is UserRef => Boolean(u));
      const missing = people.filter((p) => !p.userId).map((p) => ({ name: p.external.name, reason: p.reason ?? 'not found' }));
      if (purpose === 'staff') {
        const roles = incidents.roles(incidentId);
        let commander = roles.find((r) => r.role === 'commander')?.userId ?? null;
        if (!commander && found[0]) commander = this.assignRole(change, incidentId, 'commander', found[0], null);
        let comms = roles.find((r) => r.role === 'comms')?.userId ?? null;
        if (!comms) {
          const pick = pickCommsLead(incidents, { scheduled, rotation: commsRotation, commander });
          if (pick) comms = this.assignRole(change, incidentId, 'comms', pick, null);
        }
        const invitees = [...found, ...(commander ? [commander] : []), ...(comms ? [comms] : [])];
        change.effect(...openRoomEffects(incidentId, invitees), noticeEffect(incidentId, cause, { type: 'roles', commander, comms }));
      } else if (found.length > 0) {
        const users = [...new Set(found)].sort();
        change.effect(forIncident(incidentId, EffectKind.ChannelInvite, `${cause}:${users.join(',')}`, { users }));
      }
      if (missing.length > 0) change.effect(noticeEffect(incidentId, cause, { type: 'unresolved_people', people: missing }));
    });
  }

  acknowledge(incidentId: number, by: UserRef): Incident {
    return this.transact((change) => {
      const incident = this.require(incidentId);
      if (incident.acknowledgedAt !== null) {
        throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} was already acknowledged.`);
      }
      this.patch(change, incident, { acknowledgedAt: change.at });
      const eventId = this.record(change, { incidentId, kind: 'acknowledged', actor: by, data: { via: 'slack' } });
      change.effect(noticeEffect(incidentId, eventId, { type: 'acknowledged', by, via: 'slack' }), ...refreshEffects(incidentId, eventId));
      this.syncExternal(change, incident, eventId, 'acknowledged', null);
      return this.require(incidentId);
    });
  }

  resolve(incidentId: number, by: UserRef, note: string | null): Incident {
    return this.transact((change) => {
      const incident = this.require(incidentId);
      if (incident.status === 'resolved') {
        throw new UserError(ErrorCode.BadArgument, `Incident #${incidentId} is already resolved.`);
      }
      this.patch(change, incident, { status: 'resolved', resolvedAt: change.at });
      const eventId = this.record(change, { incidentId, kind: 'resolved', actor: by, body: note, data: { via: 'slack' } });
      change.effect(noticeEffect(incidentId, eventId, { type: 'resolved', by, via: 'slack', note }), ...refreshEffects(incidentId, eventId));
      this.syncExternal(change, incident, eventId, 'resolved', note);
      return this.require(incidentId);
    });
  }

  get(id: number): Incident | undefined {
    return this.deps.incidents.get(id);
  }

  byChannel(channelId: string): Incident | undefined {
    return this.deps.incidents.byChannel(channelId);
  }

  private require(id: number): Incident {
    const incident = this.deps.incidents.get(id);
    if (!incident) throw new UserError(ErrorCode.NotFound, `There is no incident #${id}.`);
    return incident;
  }

  private patch(change: Change, incident: Incident, patch: IncidentPatch): void {
    this.deps.incidents.update(incident.id, patch, change.at);
  }

  /** Appends a timeline event at once (its id keys the effects it causes). */
  private record(change: Change, event: Omit<NewTimelineEvent, 'at'>): string {
    return String(this.deps.incidents.appendEvent({ at: change.at, ...event }));
  }

  private assignRole(change: Change, incidentId: number, role: Role, user: UserRef, by: UserRef | null): UserRef {
    this.deps.incidents.setRole(incidentId, role, user, change.at, by);
    change.event({ incidentId, kind: 'role_assigned', actor: by, data: { role, user } });
    return user;
  }

  /** Writes a status made in Slack back to every external incident linked to this one. */
  private syncExternal(change: Change, incident: Incident, cause: string, status: 'acknowledged' | 'resolved', note: string | null) {
    for (const source of incident.source === 'slack' ? [] : [incident.source]) {
      for (const externalId of this.deps.incidents.links(incident.id, source)) {
        change.effect(setExternalStatusEffect(incident.id, cause, source, externalId, status, note));
      }
    }
  }
}
