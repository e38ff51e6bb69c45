import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyGitHubFailure } from '../../src/postmortem/github-error.ts';
import { createGitHubClient } from '../../src/postmortem/github-client.ts';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { declared, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

/** A fresh GitHub per test: each one answers as a different real repository would. */
let gh: FakeGitHub;
beforeEach(async () => {
  gh = await new FakeGitHub().start();
});
afterEach(() => gh.stop());

const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const reportNotices = (h: Harness, channel: string) =>
  posts(h, channel).filter((t) => /^:(memo|warning|raised_hand):/.test(t));
const reportNotice = (h: Harness, channel: string, timeoutMs = 10_000) =>
  eventually(() => reportNotices(h, channel)[0], timeoutMs, 'the report notice');
const today = () => new Date().toISOString().slice(0, 10);

describe('GitHub refusals real repositories give', () => {
  const h = useBot({
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('drafts not supported: opens a regular pull request titled and labelled as a draft, and says so', async () => {
    gh.draftsSupported = false;
    const { incident, channel } = await declared(h, 'No drafts here sev2');
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel);
    const branch = `postmortem/${incident.id}-no-drafts-here`;
    expect(gh.pulls).toEqual([
      expect.objectContaining({
        head: branch,
        base: 'main',
        draft: false,
        title: `[Draft] Post-incident report: #${incident.id} No drafts here`,
        labels: ['draft'],
      }),
    ]);
    expect(gh.file(branch, `postmortems/${today()}-no-drafts-here.md`)).toContain(
      '# Post-incident report: No drafts here',
    );
    expect(notice).toBe(
      `:memo: Post-incident report drafted: <https://github.test/acme/postmortems/pull/${gh.pulls[0]!.number}|the pull request>. ` +
        'GitHub does not allow draft pull requests in this repository, so it is a regular one titled “[Draft]” ' +
        '(labelled `draft` where allowed): do not merge it unreviewed. Review it, then merge to publish.',
    );
    expect(notice).not.toContain('not configured');
    expect(h.slack.ws.files.size).toBe(0);

    // Regenerating updates that pull request; GitHub is not asked for a draft again.
    await h.bot.command('postmortem', { channel });
    await eventually(() => reportNotices(h, channel).length === 2, 10_000, 'the second report notice');
    expect(reportNotices(h, channel)[1]).toMatch(/^:memo: Post-incident report drafted: <https:\/\/github\.test/);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.calls.filter((c) => c.status === 422)).toHaveLength(1);
  });

  it('an empty repository: its first commit on the default branch, then the branch and pull request', async () => {
    gh.makeEmpty();
    const { incident, channel } = await declared(h, 'Brand new repo sev3');
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel);
    const branch = `postmortem/${incident.id}-brand-new-repo`;
    expect(gh.branches.has('main')).toBe(true);
    expect([...gh.files.get('main')!.keys()]).toEqual(['README.md']);
    expect(gh.file('main', 'README.md')).toMatch(/^# Post-incident reports\n/);
    expect(gh.file(branch, `postmortems/${today()}-brand-new-repo.md`)).toContain(
      '# Post-incident report: Brand new repo',
    );
    expect(gh.pulls).toEqual([expect.objectContaining({ head: branch, base: 'main', draft: true })]);
    expect(notice).toBe(
      `:memo: Post-incident report drafted: <https://github.test/acme/postmortems/pull/${gh.pulls[0]!.number}|the pull request>. ` +
        'The repository was empty, so the bot first committed a README to `main` to branch from. ' +
        'Review it, then merge to publish.',
    );
    expect(h.slack.ws.files.size).toBe(0);
  });

  it('a secondary rate limit (403 with Retry-After) waits and retries, then publishes once', async () => {
    const { incident, channel } = await declared(h, 'Too many calls sev3');
    gh.secondaryRateLimit(2, 1);
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel, 20_000);
    expect(gh.calls.filter((c) => c.status === 403)).toHaveLength(2);
    expect(notice).toBe(
      `:memo: Post-incident report drafted: <https://github.test/acme/postmortems/pull/${gh.pulls[0]!.number}|the pull request>. ` +
        'Review it, then merge to publish.',
    );
    expect(gh.pulls).toEqual([
      expect.objectContaining({ head: `postmortem/${incident.id}-too-many-calls`, draft: true }),
    ]);
    // Nothing was given up on: no draft kept in Slack instead.
    expect(h.slack.ws.files.size).toBe(0);
  });

  it('a refusal for good says GitHub refused and why, keeps the draft, and never says "not configured"', async () => {
    gh.inject('POST /git/refs', 403, 'Resource not accessible by integration');
    const { channel } = await declared(h, 'No access sev3');
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel);
    const file = [...h.slack.ws.files.values()].find((f) => f.channel === channel)!;
    expect(notice).toBe(
      ':warning: GitHub refused the report: “Resource not accessible by integration (HTTP 403)”. ' +
        `The draft is attached here and saved as \`${file.filename}\`; once that is fixed on GitHub, ` +
        '`/incident postmortem` tries again.',
    );
    expect(gh.pulls).toEqual([]);
  });
});

describe('how GitHub failures are classified', () => {
  const failureOf = async (answer: () => void) => {
    answer();
    const octokit = await createGitHubClient({ token: gh.token, apiUrl: gh.url });
    const error = await octokit.repos.get({ owner: gh.owner, repo: gh.repo }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    return classifyGitHubFailure(error);
  };

  it('a secondary rate limit with Retry-After waits that long', async () => {
    expect(await failureOf(() => gh.secondaryRateLimit(1, 7))).toEqual({ type: 'rate_limited', retryAfterMs: 7000 });
  });

  it('a secondary rate limit with only its message waits a minute, as GitHub advises', async () => {
    expect(await failureOf(() => gh.secondaryRateLimit(1))).toEqual({ type: 'rate_limited', retryAfterMs: 60_000 });
  });

  it('a 429 is a rate limit too', async () => {
    expect(await failureOf(() => gh.inject('GET /', 429, 'Too many requests'))).toMatchObject({ type: 'rate_limited' });
  });

  it('another 403 is a refusal, not a wait', async () => {
    expect(await failureOf(() => gh.inject('GET /', 403, 'Resource not accessible by integration'))).toEqual({
      type: 'permanent',
    });
  });
});

describe('GitHub failing until the last try', () => {
  const h = useBot({
    settings: 'outbox:\n  max_attempts: 2\n',
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('keeps the draft in the channel and says GitHub kept failing, not that it is not configured', async () => {
    gh.inject('POST /git/refs', 503, 'Service Unavailable');
    gh.inject('POST /git/refs', 503, 'Service Unavailable');
    const { channel } = await declared(h, 'GitHub down sev3');
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel);
    const file = [...h.slack.ws.files.values()].find((f) => f.channel === channel)!;
    expect(file.content).toContain('# Post-incident report: GitHub down');
    expect(notice).toBe(
      ':warning: GitHub kept failing while the bot retried the report (last: “Service Unavailable (HTTP 503)”). ' +
        `The draft is attached here and saved as \`${file.filename}\`; \`/incident postmortem\` sends it to GitHub again.`,
    );
    expect(gh.calls.filter((c) => c.route === 'POST /git/refs').map((c) => c.status)).toEqual([503, 503]);
  });
});
