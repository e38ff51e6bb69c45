import { PagerDutyError } from './pagerduty-error.ts';
import type { PagerDutyClient } from './rest-client.ts';

/**
 * What an operator must do when PagerDuty refuses the bot's API token, in words fit for `/readyz`
 * and `incident-bot doctor` (they never hold the token itself).
 */
export function tokenRefusedAdvice(status: 401 | 403): string {
  return status === 401
    ? 'PagerDuty refused the API token (401): PAGERDUTY_TOKEN is wrong or revoked; ' +
        'set a valid REST API key (not read-only, from Integrations → API Access Keys) and restart'
    : 'PagerDuty refused the API token (403): the key may not do this; ' +
        'set PAGERDUTY_TOKEN to a REST API key that is not read-only, and PAGERDUTY_FROM to a user who may act on incidents';
}

/** Whether PagerDuty refused the token (401/403), took it (any other answer), or said nothing about it. */
function verdict(error: unknown): 401 | 403 | 'taken' | 'unknown' {
  if (!(error instanceof PagerDutyError) || error.status === undefined) return 'unknown';
  if (error.status === 401 || error.status === 403) return error.status;
  // A 5xx, 408 or 429 may come from before the token was looked at.
  return error.status >= 500 || error.status === 408 || error.status === 429 ? 'unknown' : 'taken';
}

/**
 * Watches every call of the client for PagerDuty refusing the token: the refusal is remembered
 * (for `/readyz`) until a call goes through again, so the reason clears itself once the operator's
 * fix reaches PagerDuty. A PagerDuty that is down says nothing either way.
 */
export function watchTokenRefusals(client: PagerDutyClient): {
  client: PagerDutyClient;
  /** What to fix while PagerDuty refuses the token; undefined when it took the last call that reached it. */
  refusal: () => string | undefined;
} {
  let refused: 401 | 403 | undefined;
  const watched = Object.fromEntries(
    Object.entries(client).map(([name, call]) => [
      name,
      async (...args: unknown[]) => {
        try {
          const result: unknown = await (call as (...a: unknown[]) => Promise<unknown>)(...args);
          refused = undefined;
          return result;
        } catch (error) {
          const said = verdict(error);
          if (said === 401 || said === 403) refused = said;
          else if (said === 'taken') refused = undefined;
          throw error;
        }
      },
    ]),
  ) as unknown as PagerDutyClient;
  return { client: watched, refusal: () => (refused === undefined ? undefined : tokenRefusedAdvice(refused)) };
}
