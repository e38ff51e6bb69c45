import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { ALICE, declared, eventually, useBot } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(async () => {
  await gh.start();
});
afterAll(() => gh.stop());

const MINUTE = 60_000;
const TOKEN = 'insights-token-0123456789abcdef0123456789';

describe('follow-up issues: their state is read from GitHub, at most every 15 minutes, with ETags', () => {
  const h = useBot({
    clock: true,
    get env() {
      return {
        GITHUB_TOKEN: gh.token,
        GITHUB_REPO: `${gh.owner}/${gh.repo}`,
        GITHUB_API_URL: gh.url,
        INSIGHTS_TOKEN: TOKEN,
      };
    },
  } as Parameters<typeof useBot>[0]);

  const issueReads = () => gh.calls.filter((c) => c.method === 'GET' && /^\/issues\/\d+$/.test(c.path));
  const followups = async () => {
    const res = await fetch(`${h.bot.app.url}/insights.json?period=7d`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return ((await res.json()) as { current: { followups: Record<string, unknown> } }).current.followups;
  };

  it('stores open, then closed with GitHub closed_at; unchanged issues cost a 304; closed ones are not asked again', async () => {
    const { channel } = await declared(h, 'Checkout down sev2');
    await h.bot.command('followup Alert on cert expiry', { channel });
    await h.bot.command('followup Add a canary', { channel });
    await h.bot.command('resolve Cert renewed', { channel, user: ALICE.id });
    await eventually(() => gh.issues.length === 2, 10_000, 'two follow-up issues');
    const [first, second] = gh.issues;

    expect(await h.bot.app.checkFollowupStates()).toEqual({ asked: 2, unchanged: 0, closed: 0 });
    expect(issueReads().map((c) => c.status)).toEqual([200, 200]);
    // Asked a moment ago: not again before its 15 minutes are up, however often the job runs.
    h.clock.now += 14 * MINUTE;
    expect(await h.bot.app.checkFollowupStates()).toEqual({ asked: 0, unchanged: 0, closed: 0 });

    const closedAt = new Date('2026-03-02T10:00:00Z');
    gh.setIssueState(first!.number, 'closed', closedAt);
    h.clock.now += 2 * MINUTE;
    expect(await h.bot.app.checkFollowupStates()).toEqual({ asked: 2, unchanged: 1, closed: 1 });
    expect(issueReads().map((c) => c.status)).toEqual([200, 200, 200, 304]);
    const rows = h.bot.app.db
      .prepare('SELECT issue_number AS n, issue_state AS state, closed_at AS closedAt FROM followups ORDER BY id')
      .all();
    expect(rows).toEqual([
      { n: first!.number, state: 'closed', closedAt: closedAt.getTime() },
      { n: second!.number, state: 'open', closedAt: null },
    ]);

    h.clock.now += 16 * MINUTE;
    expect(await h.bot.app.checkFollowupStates()).toEqual({ asked: 1, unchanged: 1, closed: 0 });
    expect(issueReads().at(-1)).toMatchObject({ path: `/issues/${second!.number}`, status: 304 });
  });

  it('a GitHub that fails ends the round: the rest wait for the next run, nothing is marked', async () => {
    const filed = gh.issues.length;
    const { channel } = await declared(h, 'Search slow sev3');
    await h.bot.command('followup One', { channel });
    await h.bot.command('followup Two', { channel });
    await h.bot.command('resolve ok', { channel });
    await eventually(() => gh.issues.length === filed + 2, 10_000, 'follow-up issues');
    gh.inject('GET /issues', 500);
    gh.inject('GET /issues', 500);
    gh.inject('GET /issues', 500);
    const before = issueReads().length;
    expect(await h.bot.app.checkFollowupStates()).toMatchObject({ asked: 1, closed: 0 });
    // One issue, tried three times (the client retries a read twice), and no second issue.
    expect(issueReads().length - before).toBe(3);
    const checked = h.bot.app.db
      .prepare('SELECT count(*) FROM followups WHERE state_checked_at IS NOT NULL')
      .pluck()
      .get();
    expect(checked).toBe(0);
    expect(await h.bot.app.checkFollowupStates()).toMatchObject({ asked: 2, closed: 0 });
  });

  it('the insights count follow-ups opened and closed from the stored state', async () => {
    const filed = gh.issues.length;
    const { channel } = await declared(h, 'Login errors sev2');
    await h.bot.command('followup Rotate keys', { channel });
    await h.bot.command('followup Add an alert', { channel });
    await h.bot.command('resolve ok', { channel });
    await eventually(() => gh.issues.length === filed + 2, 10_000, 'follow-up issues');
    // The clock stands still in tests: a moment later, so "now" is after they were recorded.
    h.clock.now += 1;
    expect(await followups()).toMatchObject({ opened: 2, closed: 0, openAtEnd: 2 });
    gh.setIssueState(gh.issues.at(-1)!.number, 'closed', new Date(h.clock.now + MINUTE));
    h.clock.now += 2 * MINUTE;
    await h.bot.app.checkFollowupStates();
    expect(await followups()).toMatchObject({ opened: 2, closed: 1, openAtEnd: 1 });
  });
});
