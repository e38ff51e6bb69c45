import { EffectKind } from '../incidents/effect-kinds.ts';
import type { LinkedPage, PageRepository } from '../incidents/page-repository.ts';
import type { IncidentService } from '../incidents/service.ts';
import { isUserId } from '../lib/slack-ids.ts';
import type { Logger } from '../lib/logger.ts';
import { ClassifiedError } from '../outbox/classified-error.ts';
import type { OutboxRow } from '../outbox/types.ts';
import type { Delivered, EffectHandler, Failure } from '../outbox/worker.ts';
import { PagerDutyError, PagerDutyErrorCode } from './pagerduty-error.ts';
import type { PagerDutyClient } from './rest-client.ts';

export interface PageEffectDeps {
  pagerduty: PagerDutyClient | undefined;
  /** Chat people's emails (the port to Slack): who asked for a page is who PagerDuty hears it from. */
  people: { emailOf(userId: string): Promise<string | null> };
  pages: PageRepository;
  incidents: IncidentService;
  /** PAGERDUTY_FROM: the bot's own PagerDuty user, for automations and people Slack has no email for. */
  from: string | undefined;
  classify: (error: unknown) => Failure;
  /** After this many failed attempts the room is told PagerDuty kept failing, instead of waiting forever. */
  maxAttempts?: number;
}

const NOT_CONFIGURED = 'PAGERDUTY_TOKEN and PAGERDUTY_FROM are not set on the bot, so it cannot page';

/**
 * Pages and escalations sent to PagerDuty. A page's incident_key was chosen when it was asked for:
 * an attempt that may have created it already (its answer was lost, or PagerDuty says an open
 * incident has that key) looks it up by key instead of creating a second. A refusal (400, 404) is
 * final and the room hears PagerDuty's words; rate limits and outages are retried as for every
 * PagerDuty effect, and the room is told when the last try fails too.
 */
export function pageEffectHandlers(deps: PageEffectDeps): Record<string, EffectHandler> {
  return {
    [EffectKind.ExternalPage]: {
      lane: 'pagerduty:rest',
      classify: deps.classify,
      async deliver(row, log) {
        const page = deps.pages.get(Number(row.payload.pageId));
        if (!page || page.status === 'refused') return { result: { skipped: true } };
        const cause = `outbox:${row.id}`;
        const created = (externalId: string, url: string | null, how: string): Delivered => ({
          result: { externalId, how },
          commit: () => deps.incidents.pageCreated(page.id, externalId, url, cause),
        });
        const refused = (reason: string): Delivered => ({
          result: { refused: reason },
          commit: () => deps.incidents.pageRefused(page.id, reason, cause),
        });
        // PagerDuty's trigger webhook can arrive before its answer to us: then the page is known already.
        if (page.externalId) return created(page.externalId, page.externalUrl, 'webhook');
        const pd = deps.pagerduty;
        if (!pd) return refused(NOT_CONFIGURED);
        try {
          if (row.uncertain) {
            const earlier = await pd.incidentByKey(page.incidentKey);
            if (earlier) return created(earlier.id, earlier.htmlUrl, 'found');
          }
          const from = await fromFor(deps, page, log);
          if (!from) return refused(NOT_CONFIGURED);
          const made = await createOrFind(pd, page, from);
          return 'refusal' in made ? refused(made.refusal) : created(made.id, made.htmlUrl, made.how);
        } catch (error) {
          const reason = finalReason(deps, row, error);
          if (reason === null) throw error;
          return refused(reason);
        }
      },
    },

    // The incident it was help for is resolved. PagerDuty answers "already resolved" for one resolved
    // there meanwhile (or by an earlier attempt whose answer was lost): the outcome wanted, so a retry is safe.
    [EffectKind.ExternalResolvePage]: {
      lane: 'pagerduty:rest',
      classify: deps.classify,
      async deliver(row) {
        const page = deps.pages.get(Number(row.payload.pageId));
        if (!page?.externalId || page.status === 'refused' || page.status === 'resolved' || !deps.pagerduty)
          return { result: { skipped: true } };
        const outcome = await deps.pagerduty.setIncidentStatus(page.externalId, 'resolved');
        return {
          result: { externalId: page.externalId, outcome },
          commit: () => deps.incidents.pageResolved(page.id, `outbox:${row.id}`),
        };
      },
    },

    [EffectKind.ExternalEscalate]: {
      lane: 'pagerduty:rest',
      classify: deps.classify,
      async deliver(row, log) {
        const { escalationId, externalId, level } = row.payload as {
          escalationId: number;
          externalId: string;
          level: number;
        };
        const escalation = deps.pages.escalation(escalationId);
        if (!escalation || escalation.status !== 'requested') return { result: { skipped: true } };
        const cause = `outbox:${row.id}`;
        const refused = (reason: string): Delivered => ({
          result: { refused: reason },
          commit: () => deps.incidents.escalationRefused(escalationId, reason, cause),
        });
        if (!deps.pagerduty) return refused(NOT_CONFIGURED);
        try {
          const from = escalation.requestedBy ? await emailOf(deps, escalation.requestedBy, log) : null;
          // Setting the same level again changes nothing there: a retry after a lost answer is harmless.
          await deps.pagerduty.escalate(externalId, level, from ?? deps.from);
        } catch (error) {
          const reason = finalReason(deps, row, error);
          if (reason === null) throw error;
          return refused(reason);
        }
        return {
          result: { externalId, level },
          commit: () => deps.incidents.escalationDone(escalationId, cause),
        };
      },
    },
  };
}

type Made = { id: string; htmlUrl: string | null; how: string } | { refusal: string };

/**
 * Creates the page's incident; a 400 may mean an earlier attempt made it (PagerDuty refuses a second
 * open incident with the same key), so the key is looked up before the refusal is believed.
 */
async function createOrFind(pd: PagerDutyClient, page: LinkedPage, from: string): Promise<Made> {
  try {
    const made = await pd.createIncident(
      {
        title: page.title,
        serviceId: page.serviceId,
        escalationPolicyId: page.target.kind === 'escalation_policy' ? page.target.id : undefined,
        incidentKey: page.incidentKey,
      },
      from,
    );
    return { ...made, how: 'created' };
  } catch (error) {
    if (!(error instanceof PagerDutyError) || error.status !== 400) throw error;
    const earlier = await pd.incidentByKey(page.incidentKey);
    if (earlier) return { ...earlier, how: 'found' };
    return { refusal: error.reason ?? error.message };
  }
}

/** Who PagerDuty hears the page from: the person who asked (their Slack email), else the bot's own user. */
async function fromFor(deps: PageEffectDeps, page: LinkedPage, log: Logger): Promise<string | undefined> {
  const own = page.requestedBy ? await emailOf(deps, page.requestedBy, log) : null;
  return own ?? deps.from;
}

async function emailOf(deps: PageEffectDeps, user: string, log: Logger): Promise<string | null> {
  if (!isUserId(user)) return null;
  const email = await deps.people.emailOf(user);
  if (!email) log.info({ user }, 'no email for the person who paged; paging as PAGERDUTY_FROM');
  return email;
}

/**
 * The reason to give up now and tell the room, or null to let the outbox retry: a refusal PagerDuty
 * means (bad input, unknown id) ends it at once; anything retryable ends it only at the last attempt.
 */
function finalReason(deps: PageEffectDeps, row: OutboxRow, error: unknown): string | null {
  const failure = error instanceof ClassifiedError ? error.failure : deps.classify(error);
  const words =
    error instanceof PagerDutyError
      ? (error.reason ?? (error.status ? `answered ${error.status}` : error.message))
      : error instanceof Error
        ? error.message
        : String(error);
  if (failure.type === 'permanent') return error instanceof PagerDutyError ? words : `could not be asked: ${words}`;
  const lastTry = deps.maxAttempts !== undefined && row.attempts + 1 >= deps.maxAttempts;
  if (!lastTry) return null;
  if (error instanceof PagerDutyError && error.code === PagerDutyErrorCode.Unreachable)
    return 'PagerDuty did not answer, however often the bot tried';
  return `PagerDuty kept failing, however often the bot tried (last: ${words})`;
}
