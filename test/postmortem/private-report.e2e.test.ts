import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(async () => {
  await gh.start();
});
afterAll(() => gh.stop());

const notice = (h: ReturnType<typeof useBot>, channel: string) =>
  eventually(
    () =>
      h.slack.ws
        .channelMessages(channel)
        .map((m) => m.text)
        .find((t) => /^:(memo|warning):/.test(t)),
    10_000,
    'the report notice',
  );

describe("a private incident's report with postmortem.private_repo", () => {
  // The ordinary reports' repository is one the fake GitHub does not serve: any call to it is recorded as unknown.
  const h = useBot({
    settings: `postmortem:\n  private_repo: ${gh.owner}/${gh.repo}\n`,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/public-reports`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('goes to the private repository, not the ordinary one', async () => {
    const { incident, channel } = await declared(h, '--private Leaked keys sev1');
    await h.bot.command('resolve Keys rotated', { channel });
    const text = await notice(h, channel);
    expect(gh.pulls.map((p) => p.title)).toEqual([`Post-incident report: #${incident.id} Leaked keys`]);
    expect(text).toContain(`${gh.htmlUrl}/pull/${gh.pulls[0]!.number}`);
    expect(gh.calls.filter((c) => c.route === 'unknown')).toEqual([]);
    expect(gh.calls.length).toBeGreaterThan(0);
  });

  it('made public by its commander, its merged report pull request is looked up in the private repository', async () => {
    const { incident, channel } = await declared(h, '--private Exposed bucket sev2');
    await h.bot.command('update identified Some files were readable --public --confirm-private', { channel });
    await h.bot.command('resolve Bucket locked down', { channel });
    await notice(h, channel);
    await settled(h.bot.app);
    const pr = gh.pulls.find((p) => p.title.endsWith(`#${incident.id} Exposed bucket`))!;
    gh.merge(pr.number);
    expect(await h.bot.app.checkMergedReports()).toBe(1);
    expect(gh.calls.filter((c) => c.route === 'unknown')).toEqual([]);
  });
});

describe("a private incident's report without postmortem.private_repo", () => {
  const h = useBot({
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('is not pushed to GitHub: it is kept locally and attached in its channel', async () => {
    const before = gh.calls.length;
    const { incident, channel } = await declared(h, 'Intrusion --private sev2');
    await h.bot.command('resolve Contained', { channel });
    const file = await eventually(() => [...h.slack.ws.files.values()].find((f) => f.channel === channel && f.content));
    expect(file.filename).toMatch(new RegExp(`-intrusion-${incident.id}\\.md$`));
    expect(file.content).toContain('Intrusion');
    expect(await notice(h, channel)).toBe(
      `:memo: Post-incident report drafted and saved as \`${file.filename}\`. ` +
        'The incident is private and `postmortem.private_repo` is not set, so it is not sent to GitHub: it is attached here.',
    );
    await settled(h.bot.app);
    expect(gh.calls.slice(before)).toEqual([]);
  });
});
