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

  /** Until the bot has stored `n` issue numbers (GitHub has the issue a moment before the bot knows its number). */
  const filed = (n: number) =>
    eventually(
      () => h.bot.app.db.prepare('SELECT count(*) FROM followups WHERE issue_number IS NOT NULL').pluck().get() === n,
      10_000,
      `${n} follow-up issues filed`,
    );
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
    await filed(2);
    const [first, second] = gh.issues;

    // What GitHub was asked is asserted, not what one call reports: the 5-minute timer may run a round too.
    await h.bot.app.checkFollowupStates();
    expect(issueReads().map((c) => c.status)).toEqual([200, 200]);
    // Asked a moment ago: not again before its 15 minutes are up, however often the job runs.
    h.clock.now += 14 * MINUTE;
    await h.bot.app.checkFollowupStates();
    expect(issueReads()).toHaveLength(2);

    const closedAt = new Date('2026-03-02T10:00:00Z');
    gh.setIssueState(first!.number, 'closed', closedAt);
    h.clock.now += 2 * MINUTE;
    await h.bot.app.checkFollowupStates();
    expect(issueReads().map((c) => `${c.path} ${c.status}`)).toEqual([
      `/issues/${first!.number} 200`,
      `/issues/${second!.number} 200`,
      `/issues/${first!.number} 200`,
      `/issues/${second!.number} 304`,
    ]);
    const rows = h.bot.app.db
      .prepare('SELECT issue_number AS n, issue_state AS state, closed_at AS closedAt FROM followups ORDER BY id')
      .all();
    expect(rows).toEqual([
      { n: first!.number, state: 'closed', closedAt: closedAt.getTime() },
      { n: second!.number, state: 'open', closedAt: null },
    ]);

    h.clock.now += 16 * MINUTE;
    await h.bot.app.checkFollowupStates();
    expect(issueReads()).toHaveLength(5);
    expect(issueReads().at(-1)).toMatchObject({ path: `/issues/${second!.number}`, status: 304 });
  });

  it('a GitHub that fails ends the round: the rest wait for the next run, nothing is marked', async () => {
    const { channel } = await declared(h, 'Search slow sev3');
    await h.bot.command('followup One', { channel });
    await h.bot.command('followup Two', { channel });
    await h.bot.command('resolve ok', { channel });
    await filed(2);
    gh.inject('GET /issues', 500);
    gh.inject('GET /issues', 500);
    gh.inject('GET /issues', 500);
    const before = issueReads().length;
    await h.bot.app.checkFollowupStates();
    // One issue, tried three times (the client retries a read twice), and no second issue.
    expect(issueReads().length - before).toBe(3);
    const checked = h.bot.app.db
      .prepare('SELECT count(*) FROM followups WHERE state_checked_at IS NOT NULL')
      .pluck()
      .get();
    expect(checked).toBe(0);
    await h.bot.app.checkFollowupStates();
    expect(
      issueReads()
        .slice(before + 3)
        .map((c) => c.status),
    ).toEqual([200, 200]);
  });

  it('the insights count follow-ups opened and closed from the stored state', async () => {
    const { channel } = await declared(h, 'Login errors sev2');
    await h.bot.command('followup Rotate keys', { channel });
    await h.bot.command('followup Add an alert', { channel });
    await h.bot.command('resolve ok', { channel });
    await filed(2);
    // The clock stands still in tests: a moment later, so "now" is after they were recorded.
    h.clock.now += 1;
    expect(await followups()).toMatchObject({ opened: 2, closed: 0, openAtEnd: 2 });
    gh.setIssueState(gh.issues.at(-1)!.number, 'closed', new Date(h.clock.now + MINUTE));
    h.clock.now += 2 * MINUTE;
    await h.bot.app.checkFollowupStates();
    expect(await followups()).toMatchObject({ opened: 2, closed: 1, openAtEnd: 1 });
  });
});
