/**
 * What went wrong talking to another service (PagerDuty, Statuspage, …). Its `code` is stable and
 * says which integration and what, in logs and in the outbox's last_error: `<service>_http_<status>`
 * when the service answered with an error, or a named code when there was no answer to be had.
 * Each integration names its codes and its class; this holds what they share.
 */
export class IntegrationError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** The service's HTTP status, when it answered. */
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
