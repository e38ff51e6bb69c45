import { ClassifiedError } from '../outbox/classified-error.ts';
import type { Failure } from '../outbox/worker.ts';

/**
 * What went wrong publishing to GitHub. Octokit's errors are turned into this at the client, so
 * its `code` (stable: `github_http_<status>`, or `github_unreachable` when GitHub did not answer)
 * says which integration and what in logs and in the outbox's last_error. The status and the
 * response's headers stay where Octokit put them: classifying a failure (rate limits) reads them.
 */
export const GitHubErrorCode = {
  Unreachable: 'github_unreachable',
} as const;
export type GitHubErrorCode = (typeof GitHubErrorCode)[keyof typeof GitHubErrorCode] | `github_http_${number}`;

export class GitHubError extends Error {
  override readonly name = 'GitHubError';
  constructor(
    readonly code: GitHubErrorCode,
    message: string,
    readonly status?: number,
    readonly response?: { headers?: Record<string, string> },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Octokit's error (or a failed fetch) as a GitHubError; one already converted passes as it is. */
export function toGitHubError(error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  const e = error as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string> } };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.status === 'number' && e.status > 0) {
    return new GitHubError(
      `github_http_${e.status}`,
      message,
      e.status,
      { headers: e.response?.headers ?? {} },
      { cause: error },
    );
  }
  return new GitHubError(GitHubErrorCode.Unreachable, message, undefined, undefined, { cause: error });
}

/** GitHub's secondary (abuse) limits come as a 403 that may carry no rate-limit header, only these words. */
const SECONDARY_LIMIT = /secondary rate limit|abuse detection/i;
/** GitHub's advice when a limit names no time: wait at least a minute. */
const UNTIMED_WAIT_MS = 60_000;
/** A Retry-After is GitHub's word, but one answer must not park the lane for a day. */
const LONGEST_WAIT_MS = 60 * 60_000;

const waitFor = (ms: number) => ({
  type: 'rate_limited' as const,
  retryAfterMs: Math.min(LONGEST_WAIT_MS, Math.max(1000, ms)),
});

/**
 * GitHub's answers as the outbox needs them: a primary or secondary rate limit waits (as long as
 * GitHub says: Retry-After, else the reset time when nothing is left, else a minute); 5xx, 401,
 * 408 and no answer retry; any other 4xx is a refusal that retrying would only repeat.
 */
export function classifyGitHubFailure(error: unknown, now = Date.now()): Failure {
  if (error instanceof ClassifiedError) return error.failure;
  const e = error as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string> } };
  if (typeof e?.status !== 'number') return { type: 'transient' };
  const headers = e.response?.headers ?? {};
  const exhausted = headers['x-ratelimit-remaining'] === '0';
  const retryAfter = headers['retry-after'] === undefined ? NaN : Number(headers['retry-after']);
  const secondary = typeof e.message === 'string' && SECONDARY_LIMIT.test(e.message.slice(0, 1000));
  if (e.status === 429 || (e.status === 403 && (exhausted || secondary || !Number.isNaN(retryAfter)))) {
    if (Number.isFinite(retryAfter) && retryAfter >= 0) return waitFor(retryAfter * 1000);
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    if (exhausted && Number.isFinite(reset)) return waitFor(reset - now);
    return waitFor(UNTIMED_WAIT_MS);
  }
  return e.status >= 500 || e.status === 401 || e.status === 408 ? { type: 'transient' } : { type: 'permanent' };
}
