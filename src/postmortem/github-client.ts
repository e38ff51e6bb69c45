import type { Octokit } from '@octokit/rest';
import { toGitHubError } from './github-error.ts';

/** Reads are retried in place a couple of times; writes never are (the outbox retries them, after looking). */
const READ_RETRIES = 2;
const isRead = (method: string | undefined) => method === 'GET' || method === 'HEAD';
const transient = (error: unknown) => {
  const status = (error as { status?: number }).status;
  return status === undefined || status >= 500;
};

/**
 * GitHub, for whoever needs it, made on the first call and shared after: an idle bot (most of its
 * life) never calls GitHub, and Octokit with its table of every REST endpoint would otherwise be
 * loaded at every start.
 */
export type GitHubClient = () => Promise<Octokit>;

export function lazyGitHubClient(opts: { token: string; apiUrl: string; timeoutMs?: number }): GitHubClient {
  let client: Promise<Octokit> | undefined;
  return () => (client ??= createGitHubClient(opts));
}

/**
 * Octokit for publishing reports. A report takes several reads (repository, branch, file, pull
 * request) before its writes; retrying a failed read at once keeps one flaky answer from
 * restarting the whole publication.
 */
export async function createGitHubClient(opts: {
  token: string;
  apiUrl: string;
  timeoutMs?: number;
}): Promise<Octokit> {
  const { Octokit } = await import('@octokit/rest');
  // Octokit would print every non-2xx to stderr as plain text; most are the expected 404s of
  // looking before acting, and real failures are logged by the outbox with the incident's context.
  const quiet = () => {};
  const octokit = new Octokit({
    auth: opts.token,
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    userAgent: 'incident-bot',
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    // A call that does not answer in time is abandoned (and, for a write, retried by the outbox after
    // looking). The deadline is set here, on each fetch: a signal given through the request hook is
    // dropped on the way (Octokit 22 / @octokit/request 10), and a GitHub that never answers would
    // hold the delivery until it hung up.
    request: {
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) }),
    },
  });
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        if (!isRead(options.method) || attempt >= READ_RETRIES || !transient(error)) throw toGitHubError(error);
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  });
  return octokit;
}
