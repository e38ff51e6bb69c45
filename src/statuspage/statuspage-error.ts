import { IntegrationError } from '../lib/integration-error.ts';

/**
 * What went wrong mirroring to Atlassian Statuspage. Its `code` is stable and says which
 * integration and what, in logs and in the outbox's last_error: `statuspage_http_<status>` for an
 * answer, or one of the named codes.
 */
export const StatuspageErrorCode = {
  /** No answer: the connection failed or timed out. */
  Unreachable: 'statuspage_unreachable',
  /** The update to mirror is no longer in the database (nothing to send, ever). */
  UpdateGone: 'statuspage_update_gone',
} as const;
export type StatuspageErrorCode =
  (typeof StatuspageErrorCode)[keyof typeof StatuspageErrorCode] | `statuspage_http_${number}`;

export class StatuspageError extends IntegrationError<StatuspageErrorCode> {
  override readonly name = 'StatuspageError';

  /** Statuspage answered with an error status. */
  static http(status: number, retryAfterMs: number | undefined, message: string): StatuspageError {
    return new StatuspageError(`statuspage_http_${status}`, message, status, retryAfterMs);
  }
}
