import { AppError, ErrorCode, UserError } from '../lib/errors.ts';
import { announceNow, announcementEffects } from './announcements.ts';
import { auditEntryOf } from './audit-events.ts';
import { addNote, captureMessage, handOff, postUpdate, requestCapture, sendReminders } from './communication.ts';
import { acceptCommsOffer, checkShifts, shiftSeen } from './comms-lead.ts';
import { Change, startClocks, type Core, type IncidentServiceDeps } from './core.ts';
import { declare, type DeclareInput } from './declare.ts';
import { captureEffect, noticeEffect, overviewRefreshEffect } from './effect-kinds.ts';
import { automationRef } from './automations/types.ts';
import type { NewEffect } from '../outbox/types.ts';
import { applyExternalEvent, type ApplyOutcome, type ExternalEvent } from './external-events.ts';
import { applyAlertEvent, type AlertEvent, type AlertOutcome } from './alerts.ts';
import { addFollowup, postmortemPublished, requestPostmortem, setImpact } from './followups.ts';
import type { NewTimelineEvent } from './incident-repository.ts';
import { acknowledge, closeIncident, mitigate, reopen, resolve, setSeverity } from './lifecycle.ts';
import {
  Permissions,
  PRIVATE_VIEWERS,
  type Actor,
  type IncidentAction,
  type Principal,
  type RunbookAction,
} from './permissions.ts';
import { escalateIncident, escalationDone, escalationRefused, type EscalateOptions } from './escalate-incident.ts';
import { pageCreated, pageFromIncident, pageRefused, pageResolved } from './page-from-incident.ts';
import { applyPageEvent } from './page-events.ts';
import type { PageTarget } from './page-repository.ts';
import { setPublicName } from './public-name.ts';
import type { UpdateOptions } from './record-update.ts';
import { recordRunbookEvent, responders } from './runbook-events.ts';
import { peopleUnreachable, staff } from './staffing.ts';
import type { CapturedMessage, Incident, ResolvedPerson, Role, Severity, Status, UserRef } from './types.ts';

const VIEWER_TTL_MS = 7 * 24 * 3_600_000;
const MAX_REFRESHED_VIEWERS = 500;
/**
 * Timeline events that change nothing the overview draws (title, severity, status, acknowledgement,
 * commander, room, privacy): a change made only of these redraws no one's overview.
 */
const OVERVIEW_UNCHANGED = new Set(['note', 'followup', 'impact', 'postmortem_requested', 'automation_failed']);

/** The incident domain: every change is one transaction that also records its timeline and effects. */
export class IncidentService implements Core {
  private readonly permissions: Permissions;
  /** Made once: the storage's `transaction` builds its wrappers anew on every call otherwise. */
  private readonly atomically: <T>(fn: () => T) => T;
  private toldAfterCommit: { added: Array<() => number> } | null = null;

  constructor(readonly deps: IncidentServiceDeps) {
    this.atomically = deps.db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    this.permissions = new Permissions(
      deps.policy.permissions,
      deps.principalNames ?? { user: (id) => id, group: (id) => id },
    );
  }

  transact<T>(fn: (change: Change) => T): T {
    const { span } = this.deps;
    return span ? span('incident.transaction', () => this.transactNow(fn)) : this.transactNow(fn);
  }

  private transactNow<T>(fn: (change: Change) => T): T {
    const { db, incidents, outbox } = this.deps;
    /** How many effects the change queued: asked once it has committed (see `queueAll`). */
    let added = () => 0;
    let result: T;
    try {
      result = this.atomically(() => {
        const change = new Change(this.deps.now());
        const value = fn(change);
        let written = 0;
        const appendEvents = () => {
          const appended: { id: number; event: NewTimelineEvent }[] = [];
          for (; written < change.events.length; written++) {
            const e = change.events[written]!;
            appended.push({ id: incidents.appendEvent(e), event: e });
            this.audit(e);
          }
          return appended;
        };
        const appended = appendEvents();
        // The automations see what this change put on a timeline, and fire within the same transaction.
        if (this.deps.automations) {
          this.deps.automations.react(this, change, [...change.recorded, ...appended]);
          appendEvents();
        }
        // After the automations, so an announcement tells what they changed too.
        change.effect(...announcementEffects(this, change));
        // What reaches a timeline may change what the overview shows (events recorded as they happen, as
        // an update's, and those appended now): redraw it for its viewers.
        const kinds = [
          ...change.recorded.filter((r) => !change.overviewKept.has(r.id)).map((r) => r.event.kind),
          ...change.events.map((e) => e.kind),
        ];
        if (kinds.some((kind) => !OVERVIEW_UNCHANGED.has(kind))) change.effect(...this.overviewRefreshes(change.at));
        added = outbox.queueAll(change.effects, change.at);
        return value;
      });
    } catch (error) {
      // Rolled back whole: a full disk refuses the change, it never records half of it.
      throw this.deps.storageFailure?.(error) ?? error;
    }
    if (db.inTransaction) this.tellOnceCommitted(added);
    else {
      if (added() > 0) this.deps.onEffectsEnqueued();
      this.deps.onCommitted?.();
    }
    return result;
  }

  /**
   * Nested in a caller's transaction (an outbox commit, the webhooks of one turn committed together):
   * tell only once that commits, and once for all the changes it holds, not once for each.
   */
  private tellOnceCommitted(added: () => number): void {
    if (this.toldAfterCommit) {
      this.toldAfterCommit.added.push(added);
      return;
    }
    const told = (this.toldAfterCommit = { added: [added] });
    // By the next turn the caller's transaction has ended, so the counts come without a round trip.
    setImmediate(() => {
      this.toldAfterCommit = null;
      if (told.added.some((count) => count() > 0)) this.deps.onEffectsEnqueued();
      this.deps.onCommitted?.();
    });
  }

  /** A person looked at the overview of open incidents: it is kept current for them from now on. */
  overviewOpened(user: UserRef): void {
    this.deps.viewers?.seen(user, this.deps.now());
  }

  /**
   * Someone joined or left an incident's room, as the chat tells it (`at`: when it says it happened;
   * `deliveryId`: its id for the event, so a retried event counts once). A private incident is listed
   * to the people in its room, so a change of who is there redraws that person's overview.
   */
  roomMembershipChanged(change: {
    room: string;
    user: UserRef;
    joined: boolean;
    at: number;
    deliveryId: string;
  }): 'applied' | 'no_change' | 'duplicate' | 'ignored' {
    const { members, inbox, chat } = this.deps;
    const incident = this.deps.incidents.byChannel(change.room);
    if (!incident || !members) return 'ignored';
    return this.transact((tx) => {
      if (!inbox.firstSeen(`${chat.source}-events`, change.deliveryId, tx.at)) return 'duplicate';
      if (!members.told(incident.id, change.user, change.joined, change.at)) return 'no_change';
      tx.effect(...this.viewerRefreshes(incident, [change.user], tx.at));
      return 'applied';
    });
  }

  /** People the bot brought into an incident's room: in it from now on (their join event may come later). */
  invitedToRoom(incidentId: number, users: UserRef[]): void {
    const incident = this.deps.incidents.get(incidentId);
    const { members } = this.deps;
    if (!incident || !members || users.length === 0) return;
    this.transact((tx) => {
      const added = members.invited(incidentId, users);
      tx.effect(...this.viewerRefreshes(incident, added, tx.at));
    });
  }

  /** Redraws the overview of those among `users` who look at it, when what it shows them may have changed. */
  private viewerRefreshes(incident: Incident, users: UserRef[], at: number): NewEffect[] {
    // A public incident is listed to everyone, and a closed one to no one: who is in the room changes nothing.
    if (!incident.private || incident.status === 'resolved') return [];
    const recent = users.filter((u) => this.deps.viewers?.seenSince(u, at - VIEWER_TTL_MS));
    return recent.map((user) => overviewRefreshEffect(user, at));
  }

  /** One refresh per recent viewer; who has not looked for a week (or beyond the busiest few hundred) waits till they do. */
  private overviewRefreshes(at: number): NewEffect[] {
    const viewers = this.deps.viewers?.since(at - VIEWER_TTL_MS, MAX_REFRESHED_VIEWERS) ?? [];
    return viewers.map((user) => overviewRefreshEffect(user, at));
  }

  require(id: number): Incident {
    const incident = this.deps.incidents.get(id);
    if (!incident) throw new UserError(ErrorCode.NotFound, `There is no incident #${id}.`);
    return incident;
  }

  record(change: Change, event: Omit<NewTimelineEvent, 'at'>): string {
    const id = this.deps.incidents.appendEvent({ at: change.at, ...event });
    this.audit({ at: change.at, ...event });
    change.recorded.push({ id, event: { at: change.at, ...event } });
    return String(id);
  }

  /** The timeline events that are privileged or public acts also go to the audit log, in the same transaction. */
  private audit(event: NewTimelineEvent): void {
    const entry = this.deps.audit && auditEntryOf(event);
    if (entry) this.deps.audit!.append(entry, event.at);
  }

  /**
   * Runs a permission check; a refusal is audited. The change it refused rolls back, so when the
   * check ran inside a transaction the record is written once that transaction has ended.
   */
  private checked(actor: Actor, incidentId: number, detail: Record<string, unknown>, check: () => void): void {
    try {
      check();
    } catch (error) {
      const { audit, db, now } = this.deps;
      if (audit && error instanceof UserError && error.code === ErrorCode.Forbidden) {
        const write = () =>
          audit.append(
            { action: 'permission.refused', actor: actor.id, incidentId, detail: { ...detail, reason: error.message } },
            now(),
          );
        // The person must hear the refusal even when its record cannot be written (disk full, or the
        // database closing at shutdown from a timer): losing one audit record beats a wrong answer or a crash.
        const tryWrite = () => {
          try {
            write();
          } catch {
            /* storage unavailable: the refusal still stands */
          }
        };
        if (db.inTransaction) setImmediate(tryWrite);
        else tryWrite();
      }
      throw error;
    }
  }

  assignRole(
    change: Change,
    incidentId: number,
    role: Role,
    user: UserRef,
    by: UserRef | null,
    known?: { from: UserRef | null },
  ): UserRef {
    const from = known
      ? known.from
      : (this.deps.incidents.roles(incidentId).find((r) => r.role === role)?.userId ?? null);
    this.deps.incidents.setRole(incidentId, role, user, change.at, by);
    change.event({ incidentId, kind: 'role_assigned', actor: by, data: { role, user, from } });
    return user;
  }

  authorize(incident: Incident, actor: Actor, action: IncidentAction): void {
    this.checked(actor, incident.id, { action }, () =>
      this.permissions.require(action, actor, { incident, roles: this.deps.incidents.roles(incident.id) }),
    );
  }

  /** The same check, for an edge that wants to refuse before it shows a form or a preview. */
  check(incidentId: number, actor: Actor, action: IncidentAction): void {
    this.authorize(this.require(incidentId), actor, action);
  }

  /** Refuses, saying who may, unless the actor may run, approve or stop a run of a runbook in this incident. */
  /**
   * A second pair of eyes: the person who started a run may not approve its risky step while someone
   * else may. Refused like any permission, so the refusal is audited too.
   */
  requireSecondApprover(
    incidentId: number,
    actor: Actor,
    run: { runbook: string; requestedBy: string },
    othersMayApprove: boolean,
  ): void {
    this.checked(
      actor,
      incidentId,
      { action: 'runbook.approve', runbook: run.runbook, rule: 'second_approver' },
      () => {
        if (actor.id === run.requestedBy && othersMayApprove)
          throw new UserError(
            ErrorCode.Forbidden,
            'Someone other than the person who started the run has to approve this step.',
          );
      },
    );
  }

  authorizeRunbook(
    incidentId: number,
    actor: Actor,
    action: RunbookAction,
    runbook: { name: string; allowed: Principal[]; runId?: number },
  ): void {
    const incident = this.require(incidentId);
    this.checked(actor, incidentId, { action: `runbook.${action}`, runbook: runbook.name }, () =>
      this.permissions.requireRunbook(
        action,
        actor,
        { incident, roles: this.deps.incidents.roles(incidentId) },
        runbook,
      ),
    );
  }

  /** The user groups whose members the rules (and `extra`, e.g. runbooks' `allowed`) name. */
  permissionGroups(extra: Principal[] = []): string[] {
    return this.permissions.groups(extra);
  }

  cadenceMs(severity: Severity): number {
    return this.deps.policy.cadenceMinutes[severity] * 60_000;
  }

  /** Applies an event from a paging system (already verified and mapped by its edge). */
  applyExternal(event: ExternalEvent): { outcome: ApplyOutcome; incidentId: number | null } {
    return this.transact((change) => {
      const close = (c: Change, incident: Incident, opts: Parameters<typeof closeIncident>[3]) =>
        closeIncident(this, c, incident, opts);
      const pageEvent = (c: Change, e: ExternalEvent) => applyPageEvent(this.deps.pages, c, e);
      const result = applyExternalEvent({ ...this.deps, close, pageEvent }, change, event);
      if (result.outcome === 'opened' && result.incidentId !== null) {
        const incident = result.incident ?? this.require(result.incidentId);
        if (incident.status !== 'resolved') startClocks(this, change, incident.id, incident.severity, null);
      }
      // Resolving stopped the update clock; a reopen from the paging system owes updates again, as one from chat does.
      if (result.outcome === 'applied' && event.kind === 'reopened') {
        const incident = this.require(result.incidentId!);
        this.deps.incidents.update(
          incident.id,
          { updateDueAt: change.at + this.cadenceMs(incident.severity) },
          change.at,
        );
      }
      // The incident it opened was handed over for the clocks above; the caller is told what happened to which.
      return { outcome: result.outcome, incidentId: result.incidentId };
    });
  }

  /**
   * Applies a notification about a group of alerts (already verified and mapped by its edge): opens
   * an incident for a firing group, or joins the one it opened while that is open.
   */
  applyAlert(event: AlertEvent): { outcome: AlertOutcome; incidentId: number | null } {
    const alertGroups = this.deps.alertGroups;
    if (!alertGroups)
      throw new AppError(ErrorCode.ConfigInvalid, 'The incident service was built without alert groups.');
    return this.transact((change) => {
      const result = applyAlertEvent({ ...this.deps, alertGroups }, change, event);
      if (result.outcome === 'opened') startClocks(this, change, result.incidentId!, event.severity, null);
      return result;
    });
  }

  declare = (input: DeclareInput) => declare(this, input);
  /** Pages a service or escalation policy from the incident (the command's and the automations' one path). */
  pageFromIncident = (
    incidentId: number,
    target: PageTarget,
    message: string | null,
    requestedBy: Actor | null = null,
    opts: { cause?: string } = {},
  ) => pageFromIncident(this, incidentId, target, message, requestedBy, opts);
  pageCreated = (pageId: number, externalId: string, url: string | null, cause: string) =>
    pageCreated(this, pageId, externalId, url, cause);
  pageRefused = (pageId: number, reason: string, cause: string) => pageRefused(this, pageId, reason, cause);
  pageResolved = (pageId: number, cause: string) => pageResolved(this, pageId, cause);
  /** Moves the incident's page to the next escalation level (the `unacknowledged` policy's remedy). */
  escalateIncident = (incidentId: number, opts: EscalateOptions = {}) => escalateIncident(this, incidentId, opts);
  escalationDone = (escalationId: number, cause: string) => escalationDone(this, escalationId, cause);
  escalationRefused = (escalationId: number, reason: string, cause: string) =>
    escalationRefused(this, escalationId, reason, cause);
  /** The pages sent from an incident. */
  pages(incidentId: number) {
    return this.deps.pages?.ofIncident(incidentId) ?? [];
  }
  staff = (
    incidentId: number,
    purpose: 'staff' | 'invite',
    cause: string,
    people: ResolvedPerson[],
    scheduled: UserRef[],
  ) => staff(this, incidentId, purpose, cause, people, scheduled);
  peopleUnreachable = (incidentId: number, cause: string, via: string, refused: boolean) =>
    peopleUnreachable(this, incidentId, cause, via, refused);
  acknowledge = (incidentId: number, by: UserRef) => acknowledge(this, incidentId, by);
  mitigate = (incidentId: number, by: UserRef) => mitigate(this, incidentId, by);
  resolve = (incidentId: number, by: Actor, note: string | null) => resolve(this, incidentId, by, note);
  reopen = (incidentId: number, by: Actor) => reopen(this, incidentId, by);
  setSeverity = (incidentId: number, severity: Severity, by: Actor) => setSeverity(this, incidentId, severity, by);
  postUpdate = (incidentId: number, status: Status, body: string, by: Actor, options?: UpdateOptions) =>
    postUpdate(this, incidentId, status, body, by, options);
  addNote = (incidentId: number, text: string, by: UserRef) => addNote(this, incidentId, text, by);
  handOff = (incidentId: number, role: Role, to: UserRef, by: Actor, opts?: { both?: boolean }) =>
    handOff(this, incidentId, role, to, by, opts);
  sendReminders = (now: number = this.deps.now()) => sendReminders(this, now);
  /** Queues a look at each followed on-call schedule that is due one. */
  checkShifts = (now: number = this.deps.now()) => checkShifts(this, now);
  /** What an on-call schedule named at a look (chat users, first on call first). */
  shiftSeen = (incidentId: number, cause: string, scheduled: UserRef[]) =>
    shiftSeen(this, incidentId, cause, scheduled);
  acceptCommsOffer = (incidentId: number, by: Actor) => acceptCommsOffer(this, incidentId, by);
  addFollowup = (incidentId: number, text: string, owner: UserRef | null, by: UserRef) =>
    addFollowup(this, incidentId, text, owner, by);
  setImpact = (incidentId: number, text: string, by: UserRef) => setImpact(this, incidentId, text, by);
  setPublicName = (incidentId: number, name: string, by: Actor) => setPublicName(this, incidentId, name, by);
  requestPostmortem = (incidentId: number, by: Actor, force = false) => requestPostmortem(this, incidentId, by, force);
  postmortemPublished = (incidentId: number, cause: string, notice: Parameters<typeof postmortemPublished>[3]) =>
    postmortemPublished(this, incidentId, cause, notice);
  recordRunbookEvent = (
    incidentId: number,
    event: Parameters<typeof recordRunbookEvent>[2],
    opts?: Parameters<typeof recordRunbookEvent>[3],
  ) => recordRunbookEvent(this, incidentId, event, opts);
  responders = (incidentId: number) => responders(this, incidentId);
  /** Announces the incident now whatever its severity (never a private one); `cause` makes asking twice announce once. */
  announceNow = (incidentId: number, cause: string) => announceNow(this, incidentId, cause);
  captureMessage = (incidentId: number, message: CapturedMessage) => captureMessage(this, incidentId, message);
  requestCapture = (incidentId: number, eventId: string, message: Parameters<typeof requestCapture>[3]) =>
    requestCapture(this, incidentId, eventId, message);

  /**
   * Something an automation asked for could not be done after its change committed (a runbook that is
   * not loaded, a parameter its rules refuse): said on the timeline and in the channel.
   */
  automationFailed(incidentId: number, automation: string, firingId: number, action: string, why: string): void {
    const text = `automation ${automation}: action ${action} was not done: ${why}`;
    this.transact((change) => {
      change.event({
        incidentId,
        kind: 'automation_failed',
        actor: automationRef(automation),
        body: text,
        data: { automation, action, firing: firingId },
      });
      change.effect(
        noticeEffect(incidentId, `automation:${firingId}:${action}:failed`, {
          type: 'automation_failed',
          automation,
          text,
        }),
      );
    });
  }

  /** What the automations did in this incident, and whether they are paused for it. */
  automations(incidentId: number) {
    const repo = this.deps.automations?.repo;
    return { firings: repo?.list(incidentId) ?? [], paused: repo?.paused(incidentId) ?? null };
  }

  /**
   * Pauses (`on: false`) or resumes the automations for one incident. Whoever may change its severity
   * may do it (the permissions table's `severity`, as for any change to how an incident is run).
   */
  setAutomations(incidentId: number, on: boolean, actor: Actor): boolean {
    return this.transact((change) => {
      const incident = this.require(incidentId);
      this.authorize(incident, actor, 'automations');
      const repo = this.deps.automations?.repo;
      if (!repo) return false;
      const changed = on ? repo.resume(incidentId) : repo.pause(incidentId, actor.id, change.at);
      if (changed)
        change.event({
          incidentId,
          kind: on ? 'automations_resumed' : 'automations_paused',
          actor: actor.id,
          data: {},
        });
      return changed;
    });
  }

  /** The timers' tick: automations on `unacknowledged` and `update_overdue` whose time has run out. */
  fireTimers = (now: number = this.deps.now()) => this.deps.automations?.tick(this, now) ?? 0;

  get(id: number): Incident | undefined {
    return this.deps.incidents.get(id);
  }

  byChannel(channelId: string): Incident | undefined {
    return this.deps.incidents.byChannel(channelId);
  }

  listOpen(): Incident[] {
    return this.deps.incidents.listOpen();
  }

  /**
   * Open incidents `viewer` may see: a private one only by its people, or from inside its own
   * room (`where`, the room the viewer asks from: being there makes them one of its people).
   */
  listOpenFor(viewer: Actor, where?: string): Incident[] {
    return this.listOpen().filter((i) => this.maySee(i, viewer, where));
  }

  /**
   * Puts a chat message on an incident's timeline (its text and link are read at delivery). A private
   * incident takes messages only from its people, or from its own room (`where`); to anyone else it
   * does not exist. The same message added twice is recorded once.
   */
  addMessage(
    incidentId: number,
    message: { kind: 'added' | 'quoted'; room: string; ts: string; text?: string; author?: UserRef | null },
    by: Actor,
    where?: string,
  ): Incident {
    const incident = this.deps.incidents.get(incidentId);
    if (!incident || !this.maySee(incident, by, where)) {
      throw new UserError(ErrorCode.NotFound, `There is no incident #${incidentId}.`);
    }
    this.transact((change) =>
      change.effect(
        captureEffect(incidentId, `${message.kind}:${message.room}:${message.ts}`, { ...message, by: by.id }),
      ),
    );
    return incident;
  }

  maySee(incident: Incident, viewer: Actor, where?: string): boolean {
    if (!incident.private || (where !== undefined && incident.channelId === where)) return true;
    if (this.deps.members?.isMember(incident.id, viewer.id)) return true;
    return this.permissions.allows(PRIVATE_VIEWERS, viewer, {
      incident,
      roles: this.deps.incidents.roles(incident.id),
    });
  }

  roles(incidentId: number) {
    return this.deps.incidents.roles(incidentId);
  }

  updates(incidentId: number) {
    return this.deps.updates.updates(incidentId);
  }

  latestUpdate(incidentId: number) {
    return this.deps.updates.latest(incidentId);
  }
}
