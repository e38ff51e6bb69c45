import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/config.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import { draftReport, peopleIn, reportName, type DraftDeps } from './draft.ts';
import type { GitHubClient } from './github-client.ts';
import { classifyGitHubFailure, toGitHubError } from './github-error.ts';
import { publishToGitHub } from './publish-github.ts';
import { publicPreviewMarkdown } from './public-preview.ts';
import type { PublicReport } from '../incidents/public-report.ts';

/** GitHub's words for a refusal, fit for the channel: without the documentation link Octokit appends. */
const reasonOf = (error: unknown) => {
  const e = toGitHubError(error);
  const words = e.message
    .slice(0, 1000)
    .replace(/ - https?:\/\/\S+$/, '')
    .slice(0, 300);
  return e.status ? `${words} (HTTP ${e.status})` : words;
};

export function postmortemHandlers(
  deps: DraftDeps & {
    /** The ordinary incidents' reports' repository (`GITHUB_REPO`). */
    repo: Config['github']['repo'];
    /** The process's GitHub client; without one, reports are kept where the team is. */
    github: GitHubClient | undefined;
    /** Where private incidents' reports go (`postmortem.private_repo`); without it they never reach GitHub. */
    privateRepo?: { owner: string; name: string };
    /** Display names of the people in the report (the port to Slack). */
    people: { displayNames(ids: Iterable<string>): Promise<Map<string, string>> };
    /** Shares the draft where the team is when GitHub cannot take it, and links to the channel. */
    files: {
      upload(file: { channel: string; filename: string; content: string; comment: string }): Promise<void>;
      channelLink(channel: string | null): string | null;
    };
    incidentsService: IncidentService;
    /** What would go public now and its digest (null while nothing can): shown in the pull request. */
    publicDraft?: (incidentId: number) => { report: PublicReport; digest: string } | null;
    dataDir: string;
    /** The outbox's last try: a report still failing then is kept where the team is instead of dropped. */
    maxAttempts?: number;
  },
): Record<string, EffectHandler> {
  const { repo, privateRepo, github } = deps;

  /** Without GitHub, or when GitHub refuses: the draft is saved beside the database and attached in Slack. */
  const saveLocally = async (markdown: string, file: string, channel: string | null, comment: string) => {
    const path = join(deps.dataDir, 'postmortems', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, markdown);
    if (channel) await deps.files.upload({ channel, filename: file, content: markdown, comment });
    return path;
  };

  return {
    [EffectKind.PostmortemPublish]: {
      lane: github ? 'github' : 'slack:files',
      classify: classifyGitHubFailure,
      async deliver(row, log) {
        const incidentId = row.incidentId!;
        const incident = deps.incidents.get(incidentId);
        if (!incident) throw new Error(`no incident ${incidentId}`);
        const names = await deps.people.displayNames(peopleIn(deps, incidentId));
        const channelUrl = deps.files.channelLink(incident.channelId);
        const draft = () => draftReport(deps, incidentId, names, channelUrl);
        const { slug, date } = reportName(incident, deps.timeZone);
        const file = `${date}-${slug}-${incidentId}.md`;
        const cause = `outbox:${row.id}`;
        // A private incident's report goes only to its own repository: never to the ordinary one.
        const home = incident.private ? privateRepo : repo;
        if (!github || !home) {
          const keptPrivate = incident.private && Boolean(github);
          const local = await saveLocally(
            draft().markdown,
            file,
            incident.channelId,
            keptPrivate
              ? 'Post-incident report draft (private incident: postmortem.private_repo is not set).'
              : 'Post-incident report draft (GitHub is not configured).',
          );
          return {
            result: { local },
            commit: () =>
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: null,
                file,
                issues: 0,
                edited: false,
                ...(keptPrivate ? { keptPrivate: true } : {}),
              }),
          };
        }
        const preview = deps.publicDraft?.(incidentId) ?? null;
        try {
          const outcome = await publishToGitHub({
            gh: { octokit: await github(), owner: home.owner, repo: home.name },
            incident,
            slug,
            date,
            channelUrl,
            publicPreview: deps.publicDraft ? publicPreviewMarkdown(preview?.report ?? null) : undefined,
            postmortems: deps.postmortems,
            render: () => draft().markdown,
            force: Boolean(row.payload.force),
            now: deps.now(),
            uncertain: row.uncertain ? { since: row.createdAt - 60_000 } : undefined,
          });
          return {
            result: { type: outcome.type, pr: outcome.record.prUrl },
            commit: () => {
              if (outcome.type === 'published') {
                deps.postmortems.save(outcome.record);
                // The body now shows this text: a merge publishes it only while the report still says it.
                deps.postmortems.setPublicDigest(incidentId, preview?.digest ?? null);
              }
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: outcome.record.prUrl,
                file: outcome.record.path,
                issues: outcome.type === 'published' ? outcome.issues : 0,
                edited: outcome.type === 'edited',
                ...(outcome.type === 'published' && outcome.regularPr ? { regularReview: true } : {}),
                ...(outcome.type === 'published' && outcome.firstCommitOn
                  ? { firstCommitOn: outcome.firstCommitOn }
                  : {}),
              });
            },
          };
        } catch (error) {
          const failure = classifyGitHubFailure(error).type;
          const lastTry =
            failure === 'transient' && deps.maxAttempts !== undefined && row.attempts + 1 >= deps.maxAttempts;
          if (failure !== 'permanent' && !lastTry) throw error;
          // GitHub refused for good (e.g. 422, no access), or kept failing until the outbox would give up:
          // keep the draft and say which where people look.
          log.error(
            { event: 'postmortem.kept_locally', err: error },
            lastTry ? 'GitHub kept failing; saving the report locally' : 'GitHub refused the report; saving it locally',
          );
          const reason = reasonOf(error);
          const local = await saveLocally(
            draft().markdown,
            file,
            incident.channelId,
            lastTry
              ? `GitHub kept failing (${reason.slice(0, 200)}); here is the draft.`
              : `GitHub refused the report (${reason.slice(0, 200)}); here is the draft.`,
          );
          return {
            result: { local, github_error: `${toGitHubError(error).code}: ${(error as Error).message}`.slice(0, 300) },
            commit: () =>
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: null,
                file,
                issues: 0,
                edited: false,
                ...(lastTry ? { unreachable: reason } : { refused: reason }),
              }),
          };
        }
      },
    },
  };
}
