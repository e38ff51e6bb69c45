import type { Octokit } from '@octokit/rest';
import { createHash } from 'node:crypto';
import type { PostmortemRecord, PostmortemRepository } from '../incidents/postmortem-repository.ts';
import type { Incident } from '../incidents/types.ts';
import { neutraliseMentions } from '../text/github-mentions.ts';
import { escapeMarkdown } from './render.ts';

export interface GitHubTarget {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export type GitHubOutcome =
  | {
      type: 'published';
      record: PostmortemRecord;
      issues: number;
      /** GitHub refused a draft here, so a regular pull request named and labelled as one was opened. */
      regularPr: boolean;
      /** The repository had no commits: the bot made the first one on this (default) branch. */
      firstCommitOn?: string;
    }
  | { type: 'edited'; record: PostmortemRecord };

const status = (error: unknown) => (error as { status?: number }).status;
const said = (error: unknown) => String((error as { message?: unknown }).message ?? '').slice(0, 1000);
/** GitHub's git API answers 409 "Git Repository is empty." while a repository has no commits. */
const EMPTY_REPOSITORY = 409;
/** Private repositories on plans without drafts refuse them (422) in these words. */
const DRAFTS_UNSUPPORTED = /draft pull requests are not supported/i;
/** What the first commit of an empty repository holds: enough to say what the repository is for. */
const FIRST_README =
  "# Post-incident reports\n\nDrafted by incident-bot from each incident's timeline, one pull request per incident, under `postmortems/`.\n";
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** Git's blob id of a text: what GitHub reports as a file's sha, so "is this our content?" needs no download. */
const blobSha = (text: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
/**
 * Every title, body and file the bot sends to GitHub passes here: text from the incident must not
 * mention (and so notify) GitHub users or teams, whatever the template or the caller put in it.
 */
const forGitHub = neutraliseMentions;

/** Hidden in each follow-up issue's body so a retry can find the issue an unrecorded attempt filed. */
const followupMarker = (incidentId: number, followupId: number) =>
  `<!-- incident-bot followup ${incidentId}/${followupId} -->`;

/** Follow-up issues filed since `since` (ms), by their marker. */
async function filedIssues(
  gh: GitHubTarget,
  since: number,
): Promise<Map<string, { number: number; html_url: string }>> {
  const found = new Map<string, { number: number; html_url: string }>();
  const issues = await gh.octokit.paginate(gh.octokit.issues.listForRepo, {
    owner: gh.owner,
    repo: gh.repo,
    labels: 'incident-followup',
    state: 'all',
    since: new Date(since).toISOString(),
    per_page: 100,
  });
  for (const i of issues) {
    const marker = /<!-- incident-bot followup \d+\/\d+ -->/.exec(i.body ?? '')?.[0];
    if (marker && !found.has(marker)) found.set(marker, { number: i.number, html_url: i.html_url });
  }
  return found;
}

/**
 * The commit a new report branch starts from: the head of the default branch. An empty repository
 * has none, and GitHub makes no ref there; its contents API, though, may write the first file on
 * the default branch, so the bot does that (a README) and starts from it.
 */
async function startingPoint(gh: GitHubTarget, base: string): Promise<{ sha: string; firstCommit: boolean }> {
  const { octokit, owner, repo } = gh;
  try {
    return {
      sha: (await octokit.git.getRef({ owner, repo, ref: `heads/${base}` })).data.object.sha,
      firstCommit: false,
    };
  } catch (error) {
    if (status(error) !== EMPTY_REPOSITORY) throw error;
  }
  // No `branch`: in an empty repository GitHub writes to the default branch, which does not exist yet to be named.
  const put = await octokit.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: 'README.md',
    message: 'Start the repository for post-incident reports',
    content: b64(FIRST_README),
  });
  const sha = put.data.commit.sha;
  if (!sha) throw new Error('GitHub made the first commit but did not say its sha');
  return { sha, firstCommit: true };
}

/**
 * Opens the report's pull request as a draft; where GitHub refuses drafts, as a regular pull
 * request whose title and label say it is one, so nobody merges it unreviewed.
 */
async function openPullRequest(
  gh: GitHubTarget,
  pr: { title: string; head: string; base: string; body: string },
): Promise<{ number: number; html_url: string; regular: boolean }> {
  const { octokit, owner, repo } = gh;
  try {
    const { data } = await octokit.pulls.create({ owner, repo, ...pr, draft: true });
    return { number: data.number, html_url: data.html_url, regular: false };
  } catch (error) {
    if (status(error) !== 422 || !DRAFTS_UNSUPPORTED.test(said(error))) throw error;
  }
  const { data } = await octokit.pulls.create({
    owner,
    repo,
    ...pr,
    title: `[Draft] ${pr.title}`.slice(0, 250),
    draft: false,
  });
  // The label only repeats the title; a repository that will not take it still has a usable pull request.
  await octokit.issues.addLabels({ owner, repo, issue_number: data.number, labels: ['draft'] }).catch(() => undefined);
  return { number: data.number, html_url: data.html_url, regular: true };
}

/**
 * Files follow-up issues (each once: its number is stored the moment it exists), then writes the
 * report to `postmortems/YYYY-MM-DD-<slug>.md` on `postmortem/<id>-<slug>` and opens one draft pull
 * request (or updates it). A file whose sha is not the one the bot last wrote was edited by a
 * person and is left alone unless `force`.
 */
export async function publishToGitHub(opts: {
  gh: GitHubTarget;
  incident: Incident;
  slug: string;
  date: string;
  channelUrl: string | null;
  /** The public sections as the status page will show them (Markdown, escaped), for the pull request's body. */
  publicPreview?: string;
  postmortems: PostmortemRepository;
  render: () => string;
  force: boolean;
  now: number;
  /** An earlier attempt may have done part of this: look before creating. */
  uncertain?: { since: number };
}): Promise<GitHubOutcome> {
  const { gh, incident, postmortems } = opts;
  const { octokit, owner, repo } = gh;
  let filed = 0;
  const unfiled = postmortems.followups(incident.id).filter((x) => x.issueNumber === null);
  const earlier =
    opts.uncertain && unfiled.length
      ? await filedIssues(gh, opts.uncertain.since)
      : new Map<string, { number: number; html_url: string }>();
  for (const f of unfiled) {
    const marker = followupMarker(incident.id, f.id);
    const res =
      earlier.get(marker) ??
      (
        await octokit.issues.create({
          owner,
          repo,
          // A title is plain text on GitHub; a body is Markdown, so the people's text in it is escaped.
          title: forGitHub(f.text.replace(/\s+/g, ' ').slice(0, 200)),
          body: forGitHub(
            `Follow-up from incident #${incident.id}: ${escapeMarkdown(incident.title)}${opts.channelUrl ? `\n\nSlack: ${opts.channelUrl}` : ''}\n\n${escapeMarkdown(f.text)}\n\n${marker}`,
          ),
          labels: ['incident-followup'],
        })
      ).data;
    postmortems.setIssue(f.id, res.number, res.html_url);
    filed++;
  }

  const previous = postmortems.get(incident.id);
  const branch = previous?.branch ?? `postmortem/${incident.id}-${opts.slug}`;
  const path = previous?.path ?? `postmortems/${opts.date}-${opts.slug}.md`;
  const base = (await octokit.repos.get({ owner, repo })).data.default_branch;
  let firstCommitOn: string | undefined;
  try {
    await octokit.git.getRef({ owner, repo, ref: `heads/${branch}` });
  } catch (error) {
    if (status(error) !== 404 && status(error) !== EMPTY_REPOSITORY) throw error;
    const start = await startingPoint(gh, base);
    if (start.firstCommit) firstCommitOn = base;
    await octokit.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: start.sha });
  }

  let currentSha: string | undefined;
  try {
    const file = await octokit.repos.getContent({ owner, repo, path, ref: branch });
    currentSha = Array.isArray(file.data) ? undefined : file.data.sha;
  } catch (error) {
    if (status(error) !== 404) throw error;
  }
  const record: PostmortemRecord = {
    incidentId: incident.id,
    branch,
    path,
    prNumber: previous?.prNumber ?? null,
    prUrl: previous?.prUrl ?? null,
    lastSha: previous?.lastSha ?? null,
    localPath: previous?.localPath ?? null,
    publishedAt: previous?.publishedAt ?? null,
  };
  const content = forGitHub(opts.render());
  const ours = blobSha(content);
  // The file already holds exactly this report (e.g. an unrecorded earlier attempt wrote it): nothing to write.
  if (currentSha === ours) record.lastSha = ours;
  else {
    if (currentSha && previous?.lastSha && currentSha !== previous.lastSha && !opts.force)
      return { type: 'edited', record };
    const put = await octokit.repos.createOrUpdateFileContents({
      owner,
      repo,
      path,
      branch,
      message: `Post-incident report for incident #${incident.id}`,
      content: b64(content),
      ...(currentSha ? { sha: currentSha } : {}),
    });
    record.lastSha = put.data.content?.sha ?? null;
  }

  const title = forGitHub(`Post-incident report: #${incident.id} ${incident.title}`.slice(0, 250));
  const body = forGitHub(
    [
      `Draft post-incident report for incident #${incident.id}, generated by incident-bot from the incident's timeline.`,
      ...(opts.channelUrl ? [`Slack channel: ${opts.channelUrl}`] : []),
      'Review, fill in what only people know, then merge to publish.',
      // What merging puts on the status page, word for word: the reviewer approves it by merging.
      ...(opts.publicPreview ? [opts.publicPreview] : []),
    ].join('\n\n'),
  );
  let regularPr = false;
  if (record.prNumber === null) {
    const open = await octokit.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'all' });
    const existing = open.data[0];
    const pr = existing
      ? { number: existing.number, html_url: existing.html_url, regular: !existing.draft }
      : await openPullRequest(gh, { title, head: branch, base, body });
    record.prNumber = pr.number;
    record.prUrl = pr.html_url;
    regularPr = pr.regular && (!existing || existing.title.startsWith('[Draft]'));
  } else {
    await octokit.pulls.update({ owner, repo, pull_number: record.prNumber, body });
  }
  record.publishedAt = opts.now;
  return { type: 'published', record, issues: filed, regularPr, ...(firstCommitOn ? { firstCommitOn } : {}) };
}
