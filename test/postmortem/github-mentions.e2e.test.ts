import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { ALICE, BOB, declared, eventually, useBot } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(async () => {
  await gh.start();
});
afterAll(() => gh.stop());

// GitHub's mention syntax: `@user` or `@org/team`, not right after a letter or digit (an e-mail).
const LIVE_MENTION =
  /(?<![A-Za-z0-9`])@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)?/;
const gfm = new MarkdownIt({ html: true, linkify: true });
const textOf = (html: string) => html.replace(/<[^>]*>/g, '');

describe('text that reaches GitHub', () => {
  const h = useBot({
    settings: `comms:\n  rotation: [${BOB.id}]\n`,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('mentions no GitHub user or team: report, pull request and follow-up issues, titles and bodies', async () => {
    const { channel } = await declared(h, 'Login broken, ask @octocat sev2');
    await h.bot.command('followup Ask @acme/sre-team and @octocat to add a canary', { channel });
    await h.bot.command('note (@hubot) says ops@example.com is the contact', { channel });
    await h.bot.command('resolve Fixed by @octocat', { channel, user: ALICE.id });
    const pull = await eventually(() => gh.pulls[0], 10_000, 'the pull request');
    const issue = gh.issues.at(-1)!;
    const report = gh.file(pull.head, [...gh.files.get(pull.head)!.keys()][0]!)!;

    const sent = { pullTitle: pull.title, pullBody: pull.body, issueTitle: issue.title, issueBody: issue.body, report };
    for (const [what, text] of Object.entries(sent)) {
      expect({ what, raw: LIVE_MENTION.exec(text)?.[0] ?? null }).toEqual({ what, raw: null });
      expect({ what, rendered: LIVE_MENTION.exec(textOf(gfm.render(text)))?.[0] ?? null }).toEqual({
        what,
        rendered: null,
      });
    }
    // Still readable as written (the joiner is invisible), and an e-mail address is left as it is.
    expect(issue.title.replace(/\u200D/g, '')).toBe('Ask @acme/sre-team and @octocat to add a canary');
    expect(report).toContain('ops@example.com');
  });
});
