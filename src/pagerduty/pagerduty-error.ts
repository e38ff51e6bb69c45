import { IntegrationError } from '../lib/integration-error.ts';

/**
 * What went wrong talking to PagerDuty's REST API. Its `code` is stable and says which integration
 * and what, in logs and in the outbox's last_error: `pagerduty_http_<status>` for an answer, or one
 * of the named codes when there was none to be had.
 */
export const PagerDutyErrorCode = {
  /** No answer: the connection failed or timed out. */
  Unreachable: 'pagerduty_unreachable',
  /** The bot has no PAGERDUTY_TOKEN (or From) to call with. */
  NotConfigured: 'pagerduty_not_configured',
} as const;
export type PagerDutyErrorCode =
  (typeof PagerDutyErrorCode)[keyof typeof PagerDutyErrorCode] | `pagerduty_http_${number}`;

export class PagerDutyError extends IntegrationError<PagerDutyErrorCode> {
  override readonly name = 'PagerDutyError';
  /** PagerDuty's own words for a refusal (its `errors`, else its message), to show people. */
  reason?: string;

  /** PagerDuty answered with an error status. */
  static http(status: number, retryAfterMs: number | undefined, message: string, reason?: string): PagerDutyError {
    const error = new PagerDutyError(`pagerduty_http_${status}`, message, status, retryAfterMs);
    error.reason = reason;
    return error;
  }
}
