import type { Db } from '../db/open.ts';
import { ErrorCode, UserError } from '../errors.ts';
import type { InboxRepository } from '../inbox/repository.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import type { NewEffect } from '../outbox/types.ts';
import { addNote, captureMessage, handOff, postUpdate, requestCapture, sendReminders, type UpdateOptions } from './communication.ts';
import { EffectKind, forIncident, noticeEffect, openRoomEffects } from './effects.ts';
import { applyExternalEvent, type ApplyOutcome, type ExternalEvent } from './external-events.ts';
import { acknowledge, closeIncident, mitigate, reopen, resolve, setSeverity } from './lifecycle.ts';
import type { IncidentRepository, NewTimelineEvent } from './repository.ts';
import type { UpdateRepository } from './update-repository.ts';
import type { PostmortemRepository } from './postmortem-repository.ts';
import { recordRunbookEvent, responders } from './runbook-events.ts';
import { addFollowup, postmortemPublished, requestPostmortem, setImpact } from './followups.ts';
import { pickCommsLead } from './roles.ts';
import { setPublicName } from './public-name.ts';
import { Permissions, type Actor, type IncidentAction, type PermissionTable, type Principal, type PrincipalNames, type RunbookAction } from './permissions.ts';
import { DESCRIPTION_MAX, TITLE_MAX, type CapturedMessage, type Component, type ComponentStatus, type Incident, type ResolvedPerson, type Role, type Severity, type Status, type UserRef } from './types.ts';

/** The team's rhythm, from the settings file. */
export interface Policy {
  cadenceMinutes: Record<Severity, number>;
  commsVacantMinutes: number;
  archiveAfterMinutes: number;
  /** Slack users who take turns as communications lead when no on-call schedule names one. */
  commsRotation: UserRef[];
  /** The status page's components. */
  components: Component[];
  /** Whether public updates are mirrored to Atlassian Statuspage. */
  mirrorStatuspage: boolean;
  /** Whether resolving drafts the post-incident report by itself. */
  postmortemOnResolve: boolean;
  /** Who may do what: every change a person asks for is checked against it. */
  permissions: PermissionTable;
}

export interface IncidentServiceDeps {
  db: Db;
  incidents: IncidentRepository;
  updates: UpdateRepository;
  postmortems: PostmortemRepository;
  outbox: OutboxRepository;
  inbox: InboxRepository;
  now: () => number;
  policy: Policy;
  /** Called after a transaction that enqueued effects has committed, so delivery starts at once. */
  onEffectsEnqueued: () => void;
  /** How a refusal names the people who may (default: their ids). */
  principalNames?: PrincipalNames;
}

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

/** What the domain's modules (lifecycle, communication) build on. */
export interface Core {
  deps: IncidentServiceDeps;
  transact<T>(fn: (change: Change) => T): T;
  require(id: number): Incident;
  /** Appends a timeline event at once and returns its id, which keys the effects it causes. */
  record(change: Change, event: Omit<NewTimelineEvent, 'at'>): string;
  assignRole(change: Change, incidentId: number, role: Role, user: UserRef, by: UserRef | null): UserRef;
  cadenceMs(severity: Severity): number;
  /** Refuses, saying who may, unless the actor may do this to the incident as it stands now. */
  authorize(incident: Incident, actor: Actor, action: IncidentAction): void;
}

/** The incident domain: every change is one transaction that also records its timeline and effects. */
export class IncidentService implements Core {
  private readonly permissions: Permissions;

  constructor(readonly deps: IncidentServiceDeps) {
    this.permissions = new Permissions(deps.policy.permissions, deps.principalNames ?? { user: (id) => id, group: (id) => id });
  }

  transact<T>(fn: (change: Change) => T): T {
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

  require(id: number): Incident {
    const incident = this.deps.incidents.get(id);
    if (!incident) throw new UserError(ErrorCode.NotFound, `There is no incident #${id}.`);
    return incident;
  }

  record(change: Change, event: Omit<NewTimelineEvent, 'at'>): string {
    return String(this.deps.incidents.appendEvent({ at: change.at, ...event }));
  }

  assignRole(change: Change, incidentId: number, role: Role, user: UserRef, by: UserRef | null): UserRef {
    const from = this.deps.incidents.roles(incidentId).find((r) => r.role === role)?.userId ?? null;
    this.deps.incidents.setRole(incidentId, role, user, change.at, by);
    change.event({ incidentId, kind: 'role_assigned', actor: by, data: { role, user, from } });
    return user;
  }

  authorize(incident: Incident, actor: Actor, action: IncidentAction): void {
    this.permissions.require(action, actor, { incident, roles: this.deps.incidents.roles(incident.id) });
  }

  /** The same check, for an edge that wants to refuse before it shows a form or a preview. */
  check(incidentId: number, actor: Actor, action: IncidentAction): void {
    this.authorize(this.require(incidentId), actor, action);
  }

  /** Refuses, saying who may, unless the actor may run, approve or stop a run of a runbook in this incident. */
  authorizeRunbook(incidentId: number, actor: Actor, action: RunbookAction, runbook: { name: string; allowed: Principal[]; runId?: number }): void {
    const incident = this.require(incidentId);
    this.permissions.requireRunbook(action, actor, { incident, roles: this.deps.incidents.roles(incidentId) }, runbook);
  }

  /** The user groups whose members the rules (and `extra`, e.g. runbooks' `allowed`) name. */
  permissionGroups(extra: Principal[] = []): string[] {
    return this.permissions.groups(extra);
  }

  cadenceMs(severity: Severity): number {
    return this.deps.policy.cadenceMinutes[severity] * 60_000;
  }

  declare(input: DeclareInput): Incident {
    const title = input.title.trim();
    if (title.length === 0) throw new UserError(ErrorCode.BadArgument, 'An incident needs a title.');
    if (title.length > TITLE_MAX) throw new UserError(ErrorCode.BadArgument, `An incident title has at most ${TITLE_MAX} characters.`);
    const publicTitle = input.publicTitle?.trim() || title;
    if (publicTitle.length > TITLE_MAX) throw new UserError(ErrorCode.BadArgument, `A public name has at most ${TITLE_MAX} characters.`);
    const description = input.description?.trim() || null;
    if (description && description.length > DESCRIPTION_MAX) {
      throw new UserError(ErrorCode.BadArgument, `A description has at most ${DESCRIPTION_MAX} characters.`);
    }
    const { incidents, updates, policy } = this.deps;
    const commander = input.commander ?? input.declaredBy;
    const known = new Set(policy.components.map((c) => c.id));
    const unknown = (input.components ?? []).filter((c) => !known.has(c.id));
    if (unknown.length > 0) throw new UserError(ErrorCode.BadArgument, `Unknown component ${unknown.map((c) => c.id.slice(0, 40)).join(', ')}.`);
    const id = this.transact((change) => {
      const incidentId = incidents.insert({
        title,
        publicTitle,
        description,
        severity: input.severity,
        source: input.source,
        externalId: null,
        declaredBy: input.declaredBy,
        declaredAt: change.at,
      });
      change.event({ incidentId, kind: 'declared', actor: input.declaredBy, body: title, data: { severity: input.severity, source: input.source } });
      this.assignRole(change, incidentId, 'commander', commander, input.declaredBy);
      for (const c of input.components ?? []) updates.setComponentStatus(incidentId, c.id, c.status, change.at);
      const comms = pickCommsLead(incidents, { scheduled: [], rotation: policy.commsRotation, commander });
      if (comms) this.assignRole(change, incidentId, 'comms', comms, null);
      this.startClocks(change, incidentId, input.severity, comms);
      change.effect(
        ...openRoomEffects(incidentId, [input.declaredBy, commander, ...(comms ? [comms] : [])]),
        noticeEffect(incidentId, 'declared', { type: 'roles', commander, comms }),
      );
      return incidentId;
    });
    return incidents.get(id)!;
  }

  /** The first update is due one cadence after declaration; a vacant comms role is called out at once. */
  private startClocks(change: Change, incidentId: number, severity: Severity, comms: UserRef | null): void {
    this.deps.incidents.update(
      incidentId,
      { updateDueAt: change.at + this.cadenceMs(severity), commsNagAt: comms ? null : change.at + this.deps.policy.commsVacantMinutes * 60_000 },
      change.at,
    );
  }

  /** Applies an event from a paging system (already verified and mapped by its edge). */
  applyExternal(event: ExternalEvent): { outcome: ApplyOutcome; incidentId: number | null } {
    return this.transact((change) => {
      const close = (c: Change, incident: Incident, opts: Parameters<typeof closeIncident>[3]) => closeIncident(this, c, incident, opts);
      const result = applyExternalEvent({ ...this.deps, close }, change, event);
      if (result.outcome === 'opened' && result.incidentId !== null) {
        const incident = this.require(result.incidentId);
        if (incident.status !== 'resolved') this.startClocks(change, incident.id, incident.severity, null);
      }
      return result;
    });
  }

  /**
   * Records who was found for an incident's external people, names the roles still open, and
   * asks for the room (purpose 'staff') or for invitations into it (purpose 'invite').
   */
  staff(incidentId: number, purpose: 'staff' | 'invite', cause: string, people: ResolvedPerson[], scheduled: UserRef[]): void {
    const { incidents, policy } = this.deps;
    this.transact((change) => {
      const found = people.map((p) => p.userId).filter((u): u is UserRef => Boolean(u));
      const missing = people.filter((p) => !p.userId).map((p) => ({ name: p.external.name, reason: p.reason ?? 'not found' }));
      if (purpose === 'staff') {
        const roles = incidents.roles(incidentId);
        let commander = roles.find((r) => r.role === 'commander')?.userId ?? null;
        if (!commander && found[0]) commander = this.assignRole(change, incidentId, 'commander', found[0], null);
        let comms = roles.find((r) => r.role === 'comms')?.userId ?? null;
        if (!comms) {
          const pick = pickCommsLead(incidents, { scheduled, rotation: policy.commsRotation, commander });
          if (pick) {
            comms = this.assignRole(change, incidentId, 'comms', pick, null);
            incidents.update(incidentId, { commsNagAt: null }, change.at);
          }
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

  acknowledge = (incidentId: number, by: UserRef) => acknowledge(this, incidentId, by);
  mitigate = (incidentId: number, by: UserRef) => mitigate(this, incidentId, by);
  resolve = (incidentId: number, by: Actor, note: string | null) => resolve(this, incidentId, by, note);
  reopen = (incidentId: number, by: Actor) => reopen(this, incidentId, by);
  setSeverity = (incidentId: number, severity: Severity, by: Actor) => setSeverity(this, incidentId, severity, by);
  postUpdate = (incidentId: number, status: Status, body: string, by: Actor, options?: UpdateOptions) => postUpdate(this, incidentId, status, body, by, options);
  addNote = (incidentId: number, text: string, by: UserRef) => addNote(this, incidentId, text, by);
  handOff = (incidentId: number, role: Role, to: UserRef, by: Actor) => handOff(this, incidentId, role, to, by);
  sendReminders = (now: number = this.deps.now()) => sendReminders(this, now);
  addFollowup = (incidentId: number, text: string, owner: UserRef | null, by: UserRef) => addFollowup(this, incidentId, text, owner, by);
  setImpact = (incidentId: number, text: string, by: UserRef) => setImpact(this, incidentId, text, by);
  setPublicName = (incidentId: number, name: string, by: Actor) => setPublicName(this, incidentId, name, by);
  requestPostmortem = (incidentId: number, by: Actor, force = false) => requestPostmortem(this, incidentId, by, force);
  postmortemPublished = (incidentId: number, cause: string, notice: Parameters<typeof postmortemPublished>[3]) => postmortemPublished(this, incidentId, cause, notice);
  recordRunbookEvent = (incidentId: number, event: Parameters<typeof recordRunbookEvent>[2], opts?: Parameters<typeof recordRunbookEvent>[3]) => recordRunbookEvent(this, incidentId, event, opts);
  responders = (incidentId: number) => responders(this, incidentId);
  captureMessage = (incidentId: number, message: CapturedMessage) => captureMessage(this, incidentId, message);
  requestCapture = (incidentId: number, eventId: string, message: Parameters<typeof requestCapture>[3]) => requestCapture(this, incidentId, eventId, message);

  get(id: number): Incident | undefined {
    return this.deps.incidents.get(id);
  }

  byChannel(channelId: string): Incident | undefined {
    return this.deps.incidents.byChannel(channelId);
  }

  listOpen(): Incident[] {
    return this.deps.incidents.listOpen();
  }

  roles(incidentId: number) {
    return this.deps.incidents.roles(incidentId);
  }

  updates(incidentId: number) {
    return this.deps.updates.updates(incidentId);
  }
}
