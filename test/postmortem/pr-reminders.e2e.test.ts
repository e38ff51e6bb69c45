import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { ALICE, declared, eventually, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(() => gh.start());
afterAll(() => gh.stop());

const DAY = 24 * 3_600_000;
const githubEnv = (repo = gh.repo) => ({
  GITHUB_TOKEN: gh.token,
  GITHUB_REPO: `${gh.owner}/${repo}`,
  GITHUB_API_URL: gh.url,
});
const reminders = (h: Harness, channel: string) =>
  h.slack.ws
    .channelMessages(channel)
    .map((m) => m.text)
    .filter((t) => t.includes('has been open'));

/** Declared by Alice (its commander), resolved, its report pull request opened; returns when it was resolved. */
async function resolvedWithPr(h: Harness, title: string) {
  const { incident, channel } = await declared(h, `${title} sev2`, ALICE.id);
  await h.bot.command('resolve Fixed', { channel, user: ALICE.id });
  await eventually(() =>
    h.bot.app.db.prepare('SELECT pr_number FROM postmortems WHERE incident_id = ?').pluck().get(incident.id),
  );
  await settled(h.bot.app, () => h.clock.now);
  const pr = gh.pulls.find((p) => p.title.endsWith(`#${incident.id} ${title}`))!;
  return { incident, channel, pr: pr.number, resolvedAt: h.clock.now };
}

describe('postmortem.remind_open_pr_days', () => {
  const h = useBot({
    clock: true,
    // The channel stays unarchived past the reminder (archived channels are the next describe's).
    settings: 'archive_after_minutes: 20160\npostmortem:\n  remind_open_pr_days: 3\n',
    get env() {
      return githubEnv();
    },
  } as Parameters<typeof useBot>[0]);
  const tick = async (at: number) => {
    h.clock.now = at;
    const queued = h.bot.app.remindOpenReports();
    await settled(h.bot.app, () => h.clock.now);
    return queued;
  };

  it('reminds the commander once, N days after resolution while the pull request is open, across a restart', async () => {
    const { channel, pr, resolvedAt } = await resolvedWithPr(h, 'Checkout errors');
    expect(await tick(resolvedAt + 3 * DAY - 60_000)).toBe(0);
    expect(reminders(h, channel)).toEqual([]);

    expect(await tick(resolvedAt + 3 * DAY)).toBe(1);
    expect(reminders(h, channel)).toEqual([
      `:memo: <@${ALICE.id}> The postmortem pull request <${gh.htmlUrl}/pull/${pr}|#${pr}> has been open 3 days; ` +
        'please review and merge it, or close it if it is not needed.',
    ]);
    // A second tick, and a restart: the claim is in the database.
    expect(await tick(resolvedAt + 3 * DAY + 30_000)).toBe(0);
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath, {
      now: () => h.clock.now,
      env: { CONFIG_PATH: h.bot.config.configPath, ...githubEnv() },
    });
    expect(await tick(resolvedAt + 5 * DAY)).toBe(0);
    expect(reminders(h, channel)).toHaveLength(1);
  });

  it('posts nothing when GitHub says the pull request was merged or closed', async () => {
    const merged = await resolvedWithPr(h, 'Search errors');
    const closed = await resolvedWithPr(h, 'Login errors');
    gh.merge(merged.pr);
    gh.close(closed.pr);
    const asked = gh.calls.length;
    expect(await tick(closed.resolvedAt + 4 * DAY)).toBe(2); // queued, then GitHub is asked at delivery
    expect(gh.calls.length).toBeGreaterThan(asked);
    expect(reminders(h, merged.channel)).toEqual([]);
    expect(reminders(h, closed.channel)).toEqual([]);
  });

  it('is not due while the incident is open again', async () => {
    const { channel, resolvedAt } = await resolvedWithPr(h, 'Cart errors');
    h.clock.now = resolvedAt + DAY;
    await h.bot.command('reopen', { channel, user: ALICE.id });
    await settled(h.bot.app, () => h.clock.now);
    expect(await tick(resolvedAt + 10 * DAY)).toBe(0);
    expect(reminders(h, channel)).toEqual([]);
  });
});

describe('postmortem.remind_open_pr_days after the channel was archived', () => {
  const h = useBot({
    clock: true,
    settings: 'postmortem:\n  remind_open_pr_days: 3\n', // archived after a day, the default
    get env() {
      return githubEnv();
    },
  } as Parameters<typeof useBot>[0]);

  it('posts nothing and leaves no dead delivery to retry', async () => {
    const { channel, resolvedAt } = await resolvedWithPr(h, 'Checkout errors');
    h.clock.now = resolvedAt + 3 * DAY;
    expect(h.bot.app.remindOpenReports()).toBe(1);
    await settled(h.bot.app, () => h.clock.now);
    expect(h.slack.ws.channels.get(channel)?.is_archived).toBe(true);
    expect(reminders(h, channel)).toEqual([]);
    const row = h.bot.app.db
      .prepare("SELECT state, result FROM outbox WHERE kind = 'postmortem.pr_reminder'")
      .get() as { state: string; result: string };
    expect(row).toEqual({ state: 'delivered', result: JSON.stringify({ skipped: 'channel_archived' }) });
  });
});

describe('without postmortem.remind_open_pr_days', () => {
  const h = useBot({
    clock: true,
    get env() {
      return githubEnv();
    },
  } as Parameters<typeof useBot>[0]);

  it('nobody is reminded', async () => {
    const { channel, resolvedAt } = await resolvedWithPr(h, 'Checkout errors');
    h.clock.now = resolvedAt + 30 * DAY;
    expect(h.bot.app.remindOpenReports()).toBe(0);
    await settled(h.bot.app, () => h.clock.now);
    expect(reminders(h, channel)).toEqual([]);
  });
});

describe('a private incident with postmortem.private_repo', () => {
  // The ordinary repository is one the fake GitHub does not serve: a look there would be recorded as unknown.
  const h = useBot({
    clock: true,
    settings: `archive_after_minutes: 20160\npostmortem:\n  remind_open_pr_days: 2\n  private_repo: ${gh.owner}/${gh.repo}\n`,
    get env() {
      return githubEnv('public-reports');
    },
  } as Parameters<typeof useBot>[0]);

  it('asks the private repository about its pull request and reminds the commander', async () => {
    const { incident, channel } = await declared(h, '--private Leaked keys sev1', ALICE.id);
    await h.bot.command('resolve Keys rotated', { channel, user: ALICE.id });
    await eventually(() =>
      h.bot.app.db.prepare('SELECT pr_number FROM postmortems WHERE incident_id = ?').pluck().get(incident.id),
    );
    await settled(h.bot.app, () => h.clock.now);
    h.clock.now += 2 * DAY;
    expect(h.bot.app.remindOpenReports()).toBe(1);
    await settled(h.bot.app, () => h.clock.now);
    const [text] = reminders(h, channel);
    expect(text).toContain(`<@${ALICE.id}> The postmortem pull request <${gh.htmlUrl}/pull/`);
    expect(text).toContain('has been open 2 days');
    expect(gh.calls.filter((c) => c.route === 'unknown')).toEqual([]);
  });
});
