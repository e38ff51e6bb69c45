import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { ALICE, BOB, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(async () => {
  await gh.start();
});
afterAll(() => gh.stop());

const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const reportNotice = (h: Harness, channel: string) =>
  eventually(
    () => posts(h, channel).find((t) => t.startsWith(':memo:') || t.startsWith(':raised_hand:')),
    10_000,
    'the report notice',
  );

describe('publishing the report to GitHub', () => {
  const h = useBot({
    settings: `comms:\n  rotation: [${BOB.id}]\n`,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('on resolve: follow-up issues, a branch, the file and one draft pull request, linked in the channel', async () => {
    const { incident, channel } = await declared(h, 'Checkout ../../etc/passwd <b>down</b> sev1');
    await h.bot.command(`followup Alert on cert expiry <@${BOB.id}|bob>`, { channel });
    await h.bot.command('followup [Click](javascript:alert(1)) add a canary', { channel });
    await h.bot.command('resolve Cert renewed', { channel, user: ALICE.id });
    const notice = await reportNotice(h, channel);
    const branch = `postmortem/${incident.id}-checkout-etc-passwd-b-down-b`;
    const date = new Date().toISOString().slice(0, 10);
    const path = `postmortems/${date}-checkout-etc-passwd-b-down-b.md`;
    expect(gh.branches.has(branch)).toBe(true);
    expect(gh.pulls).toEqual([
      expect.objectContaining({
        head: branch,
        base: 'main',
        draft: true,
        title: `Post-incident report: #${incident.id} Checkout ../../etc/passwd <b>down</b>`,
      }),
    ]);
    // Slack's channel redirect on the host of the Slack API the bot uses (slack.com in production).
    expect(gh.pulls[0]!.body).toContain(
      `Slack channel: ${h.slack.url.replace(/\/api\/$/, '')}/app_redirect?channel=${channel}`,
    );
    expect(notice).toBe(
      `:memo: Post-incident report drafted: <https://github.test/acme/postmortems/pull/${gh.pulls[0]!.number}|the pull request> (2 follow-up issues filed). Review it, then merge to publish.`,
    );
    expect(gh.issues.map((i) => [i.title, i.labels])).toEqual([
      ['Alert on cert expiry', ['incident-followup']],
      ['[Click](javascript:alert(1)) add a canary', ['incident-followup']],
    ]);
    const report = gh.file(branch, path)!;
    expect(report).toContain('# Post-incident report: Checkout ../../etc/passwd &lt;b&gt;down&lt;/b&gt;');
    expect(report).toContain(
      `- [ ] Alert on cert expiry — owner: bob (https://github.test/acme/postmortems/issues/${gh.issues[0]!.number})`,
    );
    expect(report).toContain('- [ ] \\[Click\\](javascript:alert(1)) add a canary');
    // Escaped brackets make no link: no unescaped `](javascript:` may reach the file.
    expect(report).not.toMatch(/(?<!\\)\]\(javascript:/);
    // Every path the bot wrote stays inside postmortems/ on its own branch.
    expect([...gh.files.get(branch)!.keys()]).toEqual([path]);
  });

  it('regenerating updates the same file and pull request and files only new follow-ups', async () => {
    const { incident, channel } = await declared(h, 'Regenerate me sev2');
    await h.bot.command('followup First', { channel });
    await h.bot.command('resolve done', { channel });
    await reportNotice(h, channel);
    const before = { pulls: gh.pulls.length, issues: gh.issues.length };
    await h.bot.command('note Learned more after the fact', { channel });
    await h.bot.command('followup Second', { channel });
    await h.bot.command('postmortem', { channel });
    await eventually(() => posts(h, channel).filter((t) => t.startsWith(':memo: Post-incident report')).length === 2);
    expect(gh.pulls.length).toBe(before.pulls);
    expect(gh.issues.length).toBe(before.issues + 1);
    expect(gh.issues.at(-1)!.title).toBe('Second');
    const pr = gh.pulls.find((p) => p.head === `postmortem/${incident.id}-regenerate-me`)!;
    const file = [...gh.files.get(pr.head)!.entries()][0]!;
    expect(file[1]).toContain('Note: Learned more after the fact');
    expect(gh.calls.filter((c) => c.method === 'PATCH' && c.path === `/pulls/${pr.number}`)).toHaveLength(1);
  });

  it('does not overwrite a report a person edited on GitHub; --force does', async () => {
    const { incident, channel } = await declared(h, 'Edited by hand sev3');
    await h.bot.command('resolve done', { channel });
    await reportNotice(h, channel);
    const pr = gh.pulls.find((p) => p.head === `postmortem/${incident.id}-edited-by-hand`)!;
    const [path] = [...gh.files.get(pr.head)!.keys()];
    gh.edit(pr.head, path!, '# Our careful human analysis\n');
    await h.bot.command('postmortem', { channel });
    await eventually(() =>
      posts(h, channel).some((t) => t.startsWith(':raised_hand: The report on GitHub was edited by hand')),
    );
    expect(gh.file(pr.head, path!)).toBe('# Our careful human analysis\n');
    await h.bot.command('postmortem --force', { channel });
    await eventually(() => gh.file(pr.head, path!)!.startsWith('---'));
    expect(gh.pulls.filter((p) => p.head === pr.head)).toHaveLength(1);
  });

  it('retries GitHub 5xx and delivers once', async () => {
    gh.inject('POST /pulls', 502, 'Bad Gateway');
    gh.inject('PUT /contents', 503, 'Service Unavailable');
    const { channel } = await declared(h, 'Flaky GitHub sev3');
    await h.bot.command('resolve done', { channel });
    const notice = await reportNotice(h, channel);
    expect(notice).toMatch(/^:memo: Post-incident report drafted: <https:\/\/github\.test/);
    expect(
      gh.calls
        .filter((c) => c.status >= 500)
        .map((c) => c.route)
        .sort(),
    ).toEqual(['POST /pulls', 'PUT /contents']);
  });

  it('reports a 422 in the channel and keeps the draft, attached and on disk', async () => {
    gh.inject('POST /git/refs', 422, 'Validation Failed');
    const { incident, channel } = await declared(h, 'Refused by GitHub sev3');
    await h.bot.command('resolve done', { channel });
    await eventually(() => [...h.slack.ws.files.values()].some((f) => f.channel === channel));
    const file = [...h.slack.ws.files.values()].find((f) => f.channel === channel)!;
    expect(file.comment).toMatch(/^GitHub refused the report \(Validation Failed/);
    expect(file.content).toContain('# Post-incident report: Refused by GitHub');
    const dir = join(dirname(h.dbPath), 'postmortems');
    expect(readdirSync(dir).some((f) => f.endsWith(`-${incident.id}.md`))).toBe(true);
    await settled(h.bot.app);
  });
});

describe('the report without GitHub configured', () => {
  const h = useBot({ settings: 'postmortem:\n  on_resolve: false\n' });

  it('is attached to the channel as a Markdown file and saved beside the database', async () => {
    const { incident, channel } = await declared(h, 'No GitHub here sev2');
    await h.bot.command('resolve done', { channel });
    await settled(h.bot.app);
    expect(h.slack.ws.files.size).toBe(0); // on_resolve: false
    expect((await h.bot.command('postmortem', { channel })).body).toMatchObject({
      text: `Drafting the report for incident #${incident.id}; its link will be posted here.`,
    });
    const file = await eventually(() => [...h.slack.ws.files.values()].find((f) => f.channel === channel && f.content));
    expect(file.filename).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d-no-github-here-${incident.id}\\.md$`));
    expect(file.content).toContain('## What happened?');
    const saved = join(dirname(h.dbPath), 'postmortems', file.filename);
    expect(existsSync(saved) && readFileSync(saved, 'utf8')).toBe(file.content);
    expect(await eventually(() => posts(h, channel).find((t) => t.startsWith(':memo:')))).toBe(
      `:memo: Post-incident report drafted and saved as \`${file.filename}\`. GitHub is not configured, so it is attached here.`,
    );
    expect(h.slack.rejected).toEqual([]);
  });
});

describe('a team template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-template-'));
  const template = join(dir, 'ours.md.hbs');
  writeFileSync(template, '# Our format: {{md incident.title}}\n\n{{#each timeline}}\n- {{cell what}}\n{{/each}}\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const h = useBot({ settings: `postmortem:\n  template: ${template}\n` });

  it('drafts the report with it', async () => {
    const { channel } = await declared(h, 'Own template <i>x</i> sev3');
    await h.bot.command('resolve done', { channel });
    const file = await eventually(() => [...h.slack.ws.files.values()].find((f) => f.channel === channel && f.content));
    expect(file.content).toBe(
      '# Our format: Own template &lt;i&gt;x&lt;/i&gt;\n\n- Incident declared: Own template &lt;i&gt;x&lt;/i&gt; (SEV3)\n- alice became commander\n- Resolved: done\n',
    );
  });
});
