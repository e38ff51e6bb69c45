import type { Octokit } from '@octokit/rest';
import type { PostmortemRepository } from '../incidents/postmortem-repository.ts';
import type { Logger } from '../lib/logger.ts';
import type { GitHubClient } from './github-client.ts';

/** A follow-up's issue is asked about at most this often. */
export const FOLLOWUP_CHECK_INTERVAL_MS = 15 * 60_000;
/** At most this many issues per run: with the ETag most answers are 304s, which GitHub does not count. */
export const FOLLOWUP_CHECK_BATCH = 100;

const statusOf = (error: unknown) => (error as { status?: number }).status;
/** The issue is gone (deleted, or moved where the token cannot see): asked again in its turn, never in a loop. */
const GONE = new Set([404, 410]);

/**
 * Brings the stored state of follow-up issues up to date (open, or closed and when), for the insights'
 * "follow-ups opened vs closed". Each open, filed follow-up is asked about at most every
 * FOLLOWUP_CHECK_INTERVAL_MS, least recently asked first, with the ETag of GitHub's last answer, so
 * an unchanged issue costs a 304 and no rate limit. A refusal or an unreachable GitHub ends the run:
 * the rest wait for the next one rather than hammering.
 */
export function followupStateChecker(deps: {
  github: GitHubClient | undefined;
  repo: { owner: string; name: string } | undefined;
  postmortems: Pick<PostmortemRepository, 'issuesToCheck' | 'setIssueState' | 'touchIssueCheck'>;
  now: () => number;
  log: Logger;
}) {
  // One round at a time: a round asked for while one runs (the timer and a caller) joins it, so no
  // issue is asked about twice at once.
  let running: Promise<Tally> | undefined;
  return (): Promise<Tally> =>
    (running ??= round().finally(() => {
      running = undefined;
    }));

  async function round(): Promise<Tally> {
    const tally = { asked: 0, unchanged: 0, closed: 0 };
    if (!deps.github || !deps.repo) return tally;
    const { owner, name: repo } = deps.repo;
    const due = deps.postmortems.issuesToCheck(deps.now() - FOLLOWUP_CHECK_INTERVAL_MS, FOLLOWUP_CHECK_BATCH);
    let octokit: Octokit | undefined;
    for (const f of due) {
      tally.asked++;
      try {
        // Loaded only when there is something to ask (an idle bot never loads Octokit).
        octokit ??= await deps.github();
        const res = await octokit.rest.issues.get({
          owner,
          repo,
          issue_number: f.issueNumber,
          headers: f.etag ? { 'if-none-match': f.etag } : {},
        });
        const closedAt = res.data.state === 'closed' && res.data.closed_at ? Date.parse(res.data.closed_at) : null;
        const state = closedAt === null ? 'open' : 'closed';
        if (state === 'closed') tally.closed++;
        deps.postmortems.setIssueState(f.id, { state, closedAt, etag: res.headers.etag ?? null }, deps.now());
      } catch (error) {
        const status = statusOf(error);
        if (status === 304) {
          tally.unchanged++;
          deps.postmortems.touchIssueCheck(f.id, deps.now());
        } else if (status !== undefined && GONE.has(status)) {
          deps.postmortems.touchIssueCheck(f.id, deps.now());
        } else {
          deps.log.warn(
            { err: error, followup_id: f.id, issue: f.issueNumber },
            'could not read a follow-up issue from GitHub; the others wait for the next run',
          );
          return tally;
        }
      }
    }
    return tally;
  }
}

type Tally = { asked: number; unchanged: number; closed: number };
