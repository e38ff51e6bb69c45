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
