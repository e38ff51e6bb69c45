import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/config.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import { ClassifiedError } from '../outbox/classified-error.ts';
import { draftReport, peopleIn, reportName, type DraftDeps } from './draft.ts';
import { createGitHubClient } from './github-client.ts';
import { toGitHubError } from './github-error.ts';
import { publishToGitHub } from './publish-github.ts';

/** GitHub's answers: rate limits wait, 5xx retry, other 4xx are reported in the channel (not retried forever). */
function classifyGitHubError(error: unknown): Failure {
  const e = error as { status?: number; response?: { headers?: Record<string, string> } };
  if (error instanceof ClassifiedError) return error.failure;
  if (typeof e?.status !== 'number') return { type: 'transient' };
  const headers = e.response?.headers ?? {};
  if (e.status === 429 || (e.status === 403 && headers['x-ratelimit-remaining'] === '0')) {
    const after =
      Number(headers['retry-after']) * 1000 ||
      Math.max(1000, Number(headers['x-ratelimit-reset']) * 1000 - Date.now()) ||
      60_000;
    return { type: 'rate_limited', retryAfterMs: after };
  }
  return e.status >= 500 || e.status === 401 || e.status === 408 ? { type: 'transient' } : { type: 'permanent' };
}

export function postmortemHandlers(
  deps: DraftDeps & {
    github: Config['github'];
    /** Display names of the people in the report (the port to Slack). */
    people: { displayNames(ids: Iterable<string>): Promise<Map<string, string>> };
    /** Shares the draft where the team is when GitHub cannot take it, and links to the channel. */
    files: {
      upload(file: { channel: string; filename: string; content: string; comment: string }): Promise<void>;
      channelLink(channel: string | null): string | null;
    };
    incidentsService: IncidentService;
    dataDir: string;
    timeoutMs?: number;
  },
): Record<string, EffectHandler> {
  const { token, repo, apiUrl } = deps.github;
  const octokit = token && repo ? createGitHubClient({ token, apiUrl, timeoutMs: deps.timeoutMs }) : undefined;

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
      lane: octokit ? 'github' : 'slack:files',
      classify: classifyGitHubError,
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
        if (!octokit || !repo) {
          const local = await saveLocally(
            draft().markdown,
            file,
            incident.channelId,
            'Post-incident report draft (GitHub is not configured).',
          );
          return {
            result: { local },
            commit: () =>
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: null,
                file,
                issues: 0,
                edited: false,
              }),
          };
        }
        try {
          const outcome = await publishToGitHub({
            gh: { octokit, owner: repo.owner, repo: repo.name },
            incident,
            slug,
            date,
            channelUrl,
            postmortems: deps.postmortems,
            render: () => draft().markdown,
            force: Boolean(row.payload.force),
            now: deps.now(),
            uncertain: row.uncertain ? { since: row.createdAt - 60_000 } : undefined,
          });
          return {
            result: { type: outcome.type, pr: outcome.record.prUrl },
            commit: () => {
              if (outcome.type === 'published') deps.postmortems.save(outcome.record);
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: outcome.record.prUrl,
                file: outcome.record.path,
                issues: outcome.type === 'published' ? outcome.issues : 0,
                edited: outcome.type === 'edited',
              });
            },
          };
        } catch (error) {
          if (classifyGitHubError(error).type !== 'permanent') throw error;
          // GitHub refused for good (e.g. 422, no access): keep the draft and say so where people look.
          log.error({ err: error }, 'GitHub refused the report; saving it locally');
          const local = await saveLocally(
            draft().markdown,
            file,
            incident.channelId,
            `GitHub refused the report (${(error as Error).message.slice(0, 200)}); here is the draft.`,
          );
          return {
            result: { local, github_error: `${toGitHubError(error).code}: ${(error as Error).message}`.slice(0, 300) },
            commit: () =>
              deps.incidentsService.postmortemPublished(incidentId, cause, {
                url: null,
                file,
                issues: 0,
                edited: false,
              }),
          };
        }
      },
    },
  };
}
