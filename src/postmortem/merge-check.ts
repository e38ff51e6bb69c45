import type { PublicReportRepository, PublicReports } from '../incidents/public-report.ts';
import type { Logger } from '../lib/logger.ts';
import type { GitHubClient } from './github-client.ts';

/**
 * Asks GitHub whether each published, resolved incident's report pull request was merged, and
 * publishes the public part of those that were. The answer comes from GitHub (`merged`), never
 * from the pull request's text; an unmerged or closed one publishes nothing.
 */
export function mergedReportChecker(deps: {
  github: GitHubClient | undefined;
  repo: { owner: string; name: string } | undefined;
  /** Where private incidents' report pull requests are (`postmortem.private_repo`), never the ordinary one. */
  privateRepo?: { owner: string; name: string };
  reports: PublicReportRepository;
  publish: PublicReports;
  log: Logger;
}) {
  return async (): Promise<number> => {
    if (!deps.github || !deps.repo) return 0;
    let published = 0;
    for (const { incidentId, prNumber, private: isPrivate } of deps.reports.awaitingMerge()) {
      const home = isPrivate ? deps.privateRepo : deps.repo;
      if (!home) continue;
      const { owner, name: repo } = home;
      try {
        const { data } = await (await deps.github()).rest.pulls.get({ owner, repo, pull_number: prNumber });
        if (data.merged === true && deps.publish.merged(incidentId)) published++;
      } catch (error) {
        deps.log.warn({ err: error, incident_id: incidentId }, 'could not check whether the report was merged');
      }
    }
    return published;
  };
}
