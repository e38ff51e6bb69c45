import type { AuditRepository } from '../audit/audit-repository.ts';
import type { AlertGroupRepository } from './alert-group-repository.ts';
import type { AnnouncementRepository } from './announcement-repository.ts';
import type { Db } from '../db/open.ts';
import type { InboxRepository } from '../inbox/inbox-repository.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { NewEffect } from '../outbox/types.ts';
import type { IncidentRepository, NewTimelineEvent } from './incident-repository.ts';
import type { PageRepository } from './page-repository.ts';
import type { Actor, IncidentAction, PermissionTable, PrincipalNames } from './permissions.ts';
import type { PostmortemRepository } from './postmortem-repository.ts';
import type { Component, Incident, Role, Severity, UserRef } from './types.ts';
import type { UpdateRepository } from './update-repository.ts';
import type { MemberRepository } from './member-repository.ts';
import type { ViewerRepository } from './viewer-repository.ts';
import type { AutomationEngine } from './automations/engine.ts';

/** The team's rhythm, from the settings file. */
export interface Policy {
  cadenceMinutes: Record<Severity, number>;
  commsVacantMinutes: number;
  archiveAfterMinutes: number;
  /** People who take turns as communications lead when no on-call schedule names one. */
  commsRotation: UserRef[];
  /**
   * The on-call schedules whose person is comms lead: the one named for the paging service that
   * fired, else `fallback`; none (null) when no schedule can be looked up.
   */
  commsSchedules: { byService: Record<string, string>; fallback: string | null };
  /** Paging services whose incidents are always private (security alerts). */
  privateServices?: string[];
  /** Minutes between looks at an open incident's schedule for a change of shift. */
  shiftCheckMinutes: number;
  /** The status page's components. */
  components: Component[];
  /** Whether public updates are mirrored to Atlassian Statuspage. */
  mirrorStatuspage: boolean;
  /** How many outbound status webhooks the operator lists: each public update is sent to each. */
  statusWebhooks?: number;
  /** Whether resolving drafts the post-incident report by itself. */
  postmortemOnResolve: boolean;
  /** Who may do what: every change a person asks for is checked against it. */
  permissions: PermissionTable;
  /** Incidents this severe or worse are announced (null or absent: there is nowhere to announce them). */
  announcements?: { minSeverity: Severity } | null;
  /** Paging people from an incident (absent: the bot cannot page). */
  paging?: PagingPolicy;
}

/** How pages are sent from an incident, as the app wires the paging system. */
export interface PagingPolicy {
  /** The paging system's source name (pages' and their events' `source`) and what people call it. */
  source: string;
  name: string;
  /** Why it cannot page now (e.g. no credentials), in words the person can act on; null when it can. */
  unavailable: string | null;
  /** The service a page to an escalation policy is filed under (the system wants one), if configured. */
  policyService: string | null;
  /** What to tell someone paging a policy when no service is known, naming the setting to fix it. */
  noPolicyService: string;
}

/**
 * The chat people act through, as its edge describes it. Its words stay opaque here: the domain
 * records them and compares them, and never spells one out itself.
 */
export interface ChatEdge {
  /**
   * Its name: the source of incidents declared there, the `via` of what people do there (kept in
   * the timeline and in notices, so stored rows keep their meaning), and its events' inbox.
   */
  source: string;
  /** Whether a timeline actor is one of its users (rather than a name a paging system gave someone). */
  isUser(actor: string): boolean;
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
  /** Called after every change has committed (the status page records its components' history). */
  onCommitted?: () => void;
  chat: ChatEdge;
  /** Who looks at the overview of open incidents; refreshed after every change (none kept when absent). */
  viewers?: ViewerRepository;
  /** Who is in each incident's room: they see a private incident listed (none kept when absent). */
  members?: MemberRepository;
  /** How a refusal (or any message) names people and groups (default: their ids). */
  principalNames?: PrincipalNames;
  /**
   * Tells a failure of the storage (disk full, I/O error, locked) from any other: returns the coded
   * error a change that could not be recorded throws instead (its transaction rolled back), or
   * undefined to let the original error through.
   */
  storageFailure?: (error: unknown) => Error | undefined;
  /** Runs one change as a named unit of work the operator can see (a tracing span); default: just runs it. */
  span?: <T>(name: string, fn: () => T) => T;
  /** Where privileged and public acts, and refusals, are recorded (who, what, when, from where). */
  audit?: Pick<AuditRepository, 'append'>;
  /** Which incident each alert group opened (needed only to take alerts). */
  alertGroups?: AlertGroupRepository;
  /** Which incidents are announced and what their announcements last said (none kept when absent). */
  announcements?: AnnouncementRepository;
  /** Pages sent from incidents and their escalations (none can be sent when absent). */
  pages?: PageRepository;
  /** The settings file's automations: they react to each change's timeline events inside its transaction. */
  automations?: AutomationEngine;
}

/**
 * What a change does inside its transaction: timeline events to append, effects to enqueue.
 * Collected, then written together, so every change is one transaction with its consequences.
 */
export class Change {
  readonly events: NewTimelineEvent[] = [];
  readonly effects: NewEffect[] = [];
  /** Events appended at once (`Core.record`), with their ids: automations react to them too. */
  readonly recorded: { id: number; event: NewTimelineEvent }[] = [];
  /** Ids of recorded events that change nothing the overview draws, whatever their kind (an update that keeps the status). */
  readonly overviewKept = new Set<number>();
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

/** What the domain's modules (declare, lifecycle, communication, …) build on; the service implements it. */
export interface Core {
  deps: IncidentServiceDeps;
  transact<T>(fn: (change: Change) => T): T;
  require(id: number): Incident;
  /** Appends a timeline event at once and returns its id, which keys the effects it causes. */
  record(change: Change, event: Omit<NewTimelineEvent, 'at'>): string;
  /**
   * Gives `role` to `user`. `from`: who holds it now, when the caller has just read the roles in this
   * change (each read is a round trip on PostgreSQL); read here otherwise.
   */
  assignRole(
    change: Change,
    incidentId: number,
    role: Role,
    user: UserRef,
    by: UserRef | null,
    known?: { from: UserRef | null },
  ): UserRef;
  cadenceMs(severity: Severity): number;
  /** Refuses, saying who may, unless the actor may do this to the incident as it stands now. */
  authorize(incident: Incident, actor: Actor, action: IncidentAction): void;
}

/** The first update is due one cadence after the start; a vacant comms role is called out at once. */
export function startClocks(
  core: Core,
  change: Change,
  incidentId: number,
  severity: Severity,
  comms: UserRef | null,
): void {
  core.deps.incidents.update(
    incidentId,
    {
      updateDueAt: change.at + core.cadenceMs(severity),
      commsNagAt: comms ? null : change.at + core.deps.policy.commsVacantMinutes * 60_000,
    },
    change.at,
  );
}
