import { ErrorCode, UserError } from '../lib/errors.ts';
import { isAutomationRef } from './automations/types.ts';
import type { Incident, RoleAssignment, UserRef } from './types.ts';

/**
 * Who may change what, decided here and only here, whichever edge the change came from.
 *
 * A rule is a list of principals: `anyone`; `commander` or `comms` (whoever holds that role in the
 * incident now); `declarer` (whoever declared it); `admins` (the people and groups the settings
 * name as admins); a user id; or a group id (its members).
 */
export type Principal = string;

/**
 * A person acting. Their groups are looked up by the edge before the call (only the groups the rules
 * name), so that the check is synchronous and happens inside the change's own transaction.
 */
export interface Actor {
  id: UserRef;
  groups: ReadonlySet<string>;
}

export const actorOf = (id: UserRef, groups: Iterable<string> = []): Actor => ({ id, groups: new Set(groups) });

/** The changes to an incident that the settings' table governs. */
export const INCIDENT_ACTIONS = [
  'resolve',
  'reopen',
  'severity',
  'publish',
  'postmortem_force',
  'role_commander',
  'role_comms',
  'page',
  'automations',
] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/**
 * Who sees a private incident listed (commands, the Home tab) besides the people in its channel:
 * whoever declared it, holds a role in it, or is an admin.
 */
export const PRIVATE_VIEWERS: Principal[] = ['declarer', 'commander', 'comms', 'admins'];

/** The changes to a runbook run; their principals come from the runbook's own `allowed`. */
export type RunbookAction = 'run' | 'approve' | 'stop';

export interface PermissionTable {
  rules: Record<IncidentAction, Principal[]>;
  /** User ids and group ids that the principal `admins` stands for. */
  admins: string[];
}

/** How principals are named in a refusal (the edge knows how to mention a user or a group). */
export interface PrincipalNames {
  user(id: UserRef): string;
  group(id: string): string;
}

/** Who may act on a run, from who may run the runbook: stopping a run is also the commander's (and the admins'). */
const RUNBOOK_RULES: Record<RunbookAction, (allowed: Principal[]) => Principal[]> = {
  run: (allowed) => allowed,
  approve: (allowed) => allowed,
  stop: (allowed) => [...allowed, 'commander', 'admins'],
};

/** Each refusal reads "Only <who> may <what>." */
const WHAT: Record<IncidentAction, (incidentId: number) => string> = {
  resolve: (id) => `resolve incident #${id}`,
  reopen: (id) => `reopen incident #${id}`,
  severity: (id) => `change the severity of incident #${id}`,
  publish: (id) => `publish status page updates for incident #${id}`,
  postmortem_force: (id) => `replace the report of incident #${id} (--force)`,
  role_commander: (id) => `make someone commander of incident #${id}`,
  role_comms: (id) => `make someone comms lead of incident #${id}`,
  page: (id) => `page from incident #${id}`,
  automations: (id) => `pause or resume the automations of incident #${id}`,
};
const RUNBOOK_WHAT: Record<RunbookAction, (runbook: string, runId?: number) => string> = {
  run: (name) => `run ${name}`,
  approve: (name) => `approve steps of ${name}`,
  stop: (name, runId) => `stop run #${runId ?? '?'} of ${name}`,
};

const ROLE_WORDS: Record<string, string> = {
  commander: 'the commander',
  comms: 'the comms lead',
  declarer: 'whoever declared it',
};
const isGroup = (p: Principal) => p.startsWith('S');
/** "the commander, the comms lead, or an admin": who may, read as people say it. */
const ANY_OF = new Intl.ListFormat('en', { style: 'long', type: 'disjunction' });

/** What a check needs to know about the incident. */
export interface Standing {
  incident: Pick<Incident, 'id' | 'declaredBy'>;
  roles: Pick<RoleAssignment, 'role' | 'userId'>[];
}

export class Permissions {
  constructor(
    private readonly table: PermissionTable,
    private readonly names: PrincipalNames,
  ) {}

  /** The principals of an incident action (a copy: the table is not to be changed by a caller). */
  rule(action: IncidentAction): Principal[] {
    return [...this.table.rules[action]];
  }

  /** The principals of a run action, given who may run the runbook. */
  runbookRule(action: RunbookAction, allowed: Principal[]): Principal[] {
    return RUNBOOK_RULES[action](allowed);
  }

  /** Group ids the table names: the groups an edge must look up to build an `Actor`. */
  groups(extra: Principal[] = []): string[] {
    const all = [...Object.values(this.table.rules).flat(), ...this.table.admins, ...extra];
    return [...new Set(all.filter(isGroup))].sort();
  }

  /** Whether the actor is one of `who` in this incident as it stands. */
  allows(who: Principal[], actor: Actor, { incident, roles }: Standing): boolean {
    // An automation is the operator's own rule from the settings file: it may do what it was written to do.
    if (isAutomationRef(actor.id)) return true;
    const is = (p: Principal): boolean => {
      if (p === 'anyone') return true;
      if (p === 'commander' || p === 'comms') return roles.some((r) => r.role === p && r.userId === actor.id);
      if (p === 'declarer') return incident.declaredBy === actor.id;
      if (p === 'admins') return this.table.admins.some(is);
      return p === actor.id || (isGroup(p) && actor.groups.has(p));
    };
    return who.some(is);
  }

  /** Refuses, saying who may, unless the actor may do the incident action. */
  require(action: IncidentAction, actor: Actor, standing: Standing): void {
    this.check(this.table.rules[action], actor, standing, WHAT[action](standing.incident.id));
  }

  /** Refuses, saying who may, unless the actor may do the run action. */
  requireRunbook(
    action: RunbookAction,
    actor: Actor,
    standing: Standing,
    runbook: { name: string; allowed: Principal[]; runId?: number },
  ): void {
    // Approving is a person's second look: an automation never gives it.
    if (action === 'approve' && isAutomationRef(actor.id))
      throw new UserError(ErrorCode.Forbidden, `Only a person may ${RUNBOOK_WHAT.approve(runbook.name)}.`);
    this.check(
      RUNBOOK_RULES[action](runbook.allowed),
      actor,
      standing,
      RUNBOOK_WHAT[action](runbook.name, runbook.runId),
    );
  }

  private check(who: Principal[], actor: Actor, standing: Standing, what: string): void {
    if (this.allows(who, actor, standing)) return;
    const named = [...new Set(who)].flatMap((p) => this.describe(p));
    const message = named.length
      ? `Only ${ANY_OF.format(named)} may ${what}.`
      : `Nobody may ${what}: the settings name no one who could.`;
    throw new UserError(ErrorCode.Forbidden, message);
  }

  private describe(p: Principal): string[] {
    if (Object.hasOwn(ROLE_WORDS, p)) return [ROLE_WORDS[p]!];
    if (p === 'admins') {
      const admins = this.table.admins.map((a) => (isGroup(a) ? this.names.group(a) : this.names.user(a)));
      return admins.length ? [`an admin (${admins.join(', ')})`] : [];
    }
    return [isGroup(p) ? this.names.group(p) : this.names.user(p)];
  }
}
