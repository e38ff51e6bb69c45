import type { Settings } from '../config/settings.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { ExternalUser, ResolvedPerson } from '../incidents/types.ts';
import type { Logger } from '../lib/logger.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import { ClassifiedError } from '../outbox/classified-error.ts';
import type { DirectoryRepository, DirectoryEntry } from './directory.ts';
import { PagerDutyError, PagerDutyErrorCode } from './pagerduty-error.ts';
import type { PagerDutyClient } from './rest-client.ts';

export interface PagerDutyEffectDeps {
  pagerduty: PagerDutyClient | undefined;
  /** Chat accounts by email (the port to Slack); errors arrive already classified. */
  people: { userIdByEmail(email: string): Promise<string | null> };
  directory: DirectoryRepository;
  incidents: IncidentService;
  settings: Settings;
  now: () => number;
}

/** The statuses in PagerDuty that already are what a write-back asks for (a resolved one is past acknowledged). */
const REACHED: Record<'acknowledged' | 'resolved', string[]> = {
  acknowledged: ['acknowledged', 'resolved'],
  resolved: ['resolved'],
};

/** A found person stays cached this long; a miss is never cached, so a fixed email works on the next page. */
const DIRECTORY_TTL_MS = 60 * 60 * 1000;

export function classifyPagerDutyError(error: unknown): Failure {
  if (error instanceof PagerDutyError) {
    if (error.status === undefined)
      return error.code === PagerDutyErrorCode.NotConfigured ? { type: 'permanent' } : { type: 'transient' };
    if (error.status === 429) return { type: 'rate_limited', retryAfterMs: error.retryAfterMs ?? 5000 };
    if (error.status >= 500 || error.status === 408) return { type: 'transient' };
    // 401/403 are the operator's to fix (token, From); keep the work until they do.
    if (error.status === 401 || error.status === 403) return { type: 'transient' };
    return { type: 'permanent' };
  }
  if (error instanceof ClassifiedError) return error.failure;
  return { type: 'transient' };
}

/** Whether a failed lookup means PagerDuty is out of reach (down, or refusing the token) rather than busy or wrong. */
function unreachableReason(error: unknown): 'unreachable' | 'refused' | null {
  if (!(error instanceof PagerDutyError) || error.code === PagerDutyErrorCode.NotConfigured) return null;
  if (error.status === 401 || error.status === 403) return 'refused';
  if (error.status === undefined || error.status >= 500 || error.status === 408) return 'unreachable';
  return null;
}

export function pagerDutyEffectHandlers(deps: PagerDutyEffectDeps): Record<string, EffectHandler> {
  const inFlight = new Map<string, Promise<Lookup>>();
  return {
    [EffectKind.PeopleResolve]: {
      lane: 'pagerduty:rest',
      classify: classifyPagerDutyError,
      async deliver(row, log) {
        const { people, purpose } = row.payload as { people: ExternalUser[]; purpose: 'staff' | 'invite' };
        // Rows queued before the domain chose the schedule per incident carry none: the default then.
        const schedule =
          'schedule' in row.payload
            ? (row.payload.schedule as string | null)
            : (deps.settings.comms.pagerduty_schedule ?? null);
        const fresh: [string, DirectoryEntry][] = [];
        let resolved: ResolvedPerson[];
        let scheduled: string[] = [];
        try {
          resolved = await resolveAll(deps, inFlight, people, fresh, log);
          if (purpose === 'staff' && schedule && deps.pagerduty) {
            scheduled = await onCallUsers(deps, inFlight, schedule, fresh, log);
          }
        } catch (error) {
          // The room is open without them; say once why its responders are not there yet. The
          // row is retried as the error says, and invites and roles follow when PagerDuty answers.
          const unreachable = unreachableReason(error);
          if (unreachable && row.incidentId !== null)
            deps.incidents.peopleUnreachable(
              row.incidentId,
              `outbox:${row.id}`,
              'PagerDuty',
              unreachable === 'refused',
            );
          throw error;
        }
        return {
          result: {
            resolved: resolved.map((p) => ({ id: p.external.id, user: p.userId, reason: p.reason })),
            scheduled,
          },
          commit: () => {
            for (const [id, entry] of fresh) deps.directory.put('pagerduty', id, entry);
            deps.incidents.staff(row.incidentId!, purpose, `outbox:${row.id}`, resolved, scheduled);
          },
        };
      },
    },

    // A look at a followed schedule during an open incident: who is on call now, for a change of shift.
    [EffectKind.PeopleOnCall]: {
      lane: 'pagerduty:rest',
      classify: classifyPagerDutyError,
      async deliver(row, log) {
        const schedule = String(row.payload.schedule);
        const incident = row.incidentId === null ? undefined : deps.incidents.get(row.incidentId);
        if (!deps.pagerduty || !incident || incident.status === 'resolved') return { result: { skipped: true } };
        const fresh: [string, DirectoryEntry][] = [];
        const scheduled = await onCallUsers(deps, inFlight, schedule, fresh, log);
        return {
          result: { scheduled },
          commit: () => {
            for (const [id, entry] of fresh) deps.directory.put('pagerduty', id, entry);
            deps.incidents.shiftSeen(row.incidentId!, `outbox:${row.id}`, scheduled);
          },
        };
      },
    },

    [EffectKind.ExternalSetStatus]: {
      lane: 'pagerduty:rest',
      classify: classifyPagerDutyError,
      async deliver(row) {
        const { externalId, status, note } = row.payload as {
          externalId: string;
          status: 'acknowledged' | 'resolved';
          note: string | null;
        };
        if (!deps.pagerduty)
          throw new PagerDutyError(
            PagerDutyErrorCode.NotConfigured,
            'PAGERDUTY_TOKEN is not set: cannot write the status back to PagerDuty',
          );
        // After an unrecorded attempt (a crash, or an answer slower than the timeout) the note and the
        // status may be there already. Acknowledging again is not nothing in PagerDuty: it restarts the
        // acknowledgement's timeout and logs a second acknowledgement by the bot.
        const noted = note && row.uncertain ? (await deps.pagerduty.notes(externalId)).includes(note) : false;
        if (note && !noted) await deps.pagerduty.addNote(externalId, note);
        if (row.uncertain && REACHED[status].includes((await deps.pagerduty.incidentStatus(externalId)) ?? ''))
          return { result: { externalId, status, outcome: 'already' } };
        const outcome = await deps.pagerduty.setIncidentStatus(externalId, status);
        return { result: { externalId, status, outcome } };
      },
    },
  };
}

type Lookup = { person: ResolvedPerson; entry?: DirectoryEntry };

/** The chat users a schedule names now, first on call first (those without a chat account left out). */
async function onCallUsers(
  deps: PagerDutyEffectDeps,
  inFlight: Map<string, Promise<Lookup>>,
  schedule: string,
  fresh: [string, DirectoryEntry][],
  log: Logger,
): Promise<string[]> {
  const onCall = await resolveAll(deps, inFlight, await deps.pagerduty!.onCall(schedule), fresh, log);
  return onCall.flatMap((p) => (p.userId ? [p.userId] : []));
}

/** PagerDuty user → email (REST) → Slack user (users.lookupByEmail), via the cache. */
async function resolveAll(
  deps: PagerDutyEffectDeps,
  inFlight: Map<string, Promise<Lookup>>,
  people: ExternalUser[],
  fresh: [string, DirectoryEntry][],
  log: Logger,
): Promise<ResolvedPerson[]> {
  const out: ResolvedPerson[] = [];
  for (const person of people) {
    const cached = deps.directory.get('pagerduty', person.id);
    if (cached?.slackUserId && deps.now() - cached.resolvedAt < DIRECTORY_TTL_MS) {
      out.push({ external: person, userId: cached.slackUserId });
      continue;
    }
    // In a storm many incidents page the same people at once: share the lookup already under way.
    let lookup = inFlight.get(person.id);
    if (!lookup) {
      lookup = lookUp(deps, person, log).finally(() => inFlight.delete(person.id));
      inFlight.set(person.id, lookup);
    }
    const { person: resolved, entry } = await lookup;
    if (entry) fresh.push([person.id, entry]);
    out.push(resolved);
  }
  return out;
}

async function lookUp(deps: PagerDutyEffectDeps, person: ExternalUser, log: Logger): Promise<Lookup> {
  if (!deps.pagerduty) {
    return {
      person: {
        external: person,
        userId: null,
        reason: 'PAGERDUTY_TOKEN is not set, so their email cannot be looked up',
      },
    };
  }
  const user = await deps.pagerduty.getUser(person.id);
  if (!user?.email) {
    return {
      person: {
        external: person,
        userId: null,
        reason: user ? 'PagerDuty has no email for them' : 'PagerDuty does not know this user',
      },
    };
  }
  const slackUserId = await deps.people.userIdByEmail(user.email);
  if (!slackUserId) {
    log.info({ pagerduty_user: person.id }, 'no Slack user for PagerDuty user');
    return {
      person: { external: { ...person, name: user.name }, userId: null, reason: `no Slack account uses ${user.email}` },
    };
  }
  return {
    person: { external: { ...person, name: user.name }, userId: slackUserId },
    entry: { name: user.name, email: user.email, slackUserId, resolvedAt: deps.now() },
  };
}
