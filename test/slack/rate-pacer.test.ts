import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { SlackPacer, type PacerOptions, type Ticket } from '../../src/slack/rate-pacer.ts';
import { SLACK_LIMITS } from '../../src/slack/rate-tiers.ts';

const MINUTE = 60_000;

/** A pacer on a clock the test moves. */
function pacerOn(limits: PacerOptions['limits']) {
  const clock = { now: 1_000_000 };
  return { clock, pacer: new SlackPacer({ limits, now: () => clock.now }) };
}

/** Asks for `n` calls; resolves with the tickets of those let through now (the rest stay waiting). */
async function letThrough(p: SlackPacer, n: number, method: string, channel?: string): Promise<Ticket[]> {
  const tickets: Ticket[] = [];
  for (let i = 0; i < n; i++) void p.acquire(method, channel)!.then((t) => tickets.push(t));
  await new Promise((r) => setImmediate(r));
  return tickets;
}

describe('the Slack pacer', () => {
  it("lets a method's allowance through at once, and the next call only a window after Slack answered", async () => {
    const { clock, pacer } = pacerOn({ 'pins.add': { calls: 3, windowMs: MINUTE } });
    const tickets = await letThrough(pacer, 3, 'pins.add');
    expect(tickets).toHaveLength(3);
    // In flight, a call may reach Slack as late as now: the next waits a whole window from now.
    expect(pacer.laneWaitMs('slack:pins.add')).toBe(MINUTE);
    clock.now += 200;
    for (const t of tickets) t.answered();
    clock.now += 1000;
    expect(pacer.laneWaitMs('slack:pins.add')).toBe(MINUTE - 1000);
    clock.now += MINUTE - 1000;
    expect(pacer.laneWaitMs('slack:pins.add')).toBe(0);
    // Methods without a published limit, and other vendors' lanes, never wait.
    expect(pacer.laneWaitMs('slack:auth.test')).toBe(0);
    expect(pacer.laneWaitMs('github:issues.create')).toBe(0);
  });

  it('paces a per-channel method per channel: a busy channel waits, another does not', async () => {
    const { pacer } = pacerOn({ 'chat.postMessage': { calls: 2, windowMs: 2_000, perChannel: true } });
    expect(await letThrough(pacer, 3, 'chat.postMessage', 'C0ANNOUNCE')).toHaveLength(2);
    expect(pacer.laneWaitMs('slack:chat.postMessage@C0ANNOUNCE')).toBeGreaterThan(0);
    expect(pacer.laneWaitMs('slack:chat.postMessage@C0OTHER')).toBe(0);
    expect(await letThrough(pacer, 1, 'chat.postMessage', 'C0OTHER')).toHaveLength(1);
    // A lane that names no channel (each row posts in its own incident's) is not held by one channel.
    expect(pacer.laneWaitMs('slack:chat.postMessage')).toBe(0);
  });

  it('learns a stricter limit from a 429: what Slack let through, and not below a quarter at once', async () => {
    const { clock, pacer } = pacerOn({ 'pins.add': { calls: 20, windowMs: MINUTE } });
    const burst = await letThrough(pacer, 12, 'pins.add');
    for (const t of burst.slice(0, 8)) t.answered();
    burst[8]!.refused(30_000);
    // Sent with the refused one, at the old pace: another refusal among them says nothing new.
    burst[9]!.refused(30_000);
    for (const t of burst.slice(10)) t.answered();
    // Nothing before Retry-After; then eight a window, what Slack accepted before refusing.
    expect(pacer.laneWaitMs('slack:pins.add')).toBeGreaterThanOrEqual(30_000);
    clock.now += MINUTE;
    const second = await letThrough(pacer, 8, 'pins.add');
    expect(second).toHaveLength(8);
    expect(pacer.laneWaitMs('slack:pins.add')).toBeGreaterThan(0);
    // Refused with nothing let through (another client spent the allowance?): a quarter, not nothing.
    second[0]!.refused(1_000);
    for (const t of second.slice(1)) t.answered();
    clock.now += MINUTE;
    expect(await letThrough(pacer, 2, 'pins.add')).toHaveLength(2);
    expect(pacer.laneWaitMs('slack:pins.add')).toBeGreaterThan(0);
  });

  it('goes back to the published limit after ten quiet windows', async () => {
    const { clock, pacer } = pacerOn({ 'pins.add': { calls: 20, windowMs: MINUTE } });
    const [first] = await letThrough(pacer, 1, 'pins.add');
    first!.refused(1_000);
    clock.now += 2 * MINUTE;
    const lowered = await letThrough(pacer, 5, 'pins.add');
    expect(lowered).toHaveLength(5);
    expect(pacer.laneWaitMs('slack:pins.add')).toBeGreaterThan(0);
    for (const t of lowered) t.answered();
    clock.now += 10 * MINUTE;
    expect(await letThrough(pacer, 20, 'pins.add')).toHaveLength(20);
  });
});

describe('the Slack pacer with replicas sharing the workspace', () => {
  /** The ×60 scale of the sandbox and tests: Tier 2's minute is a second. */
  const SCALE = 60;
  const WINDOW = MINUTE / SCALE;
  afterEach(() => vi.useRealTimers());

  /**
   * A pacer on fake timers (its clock and its waits), sharing the workspace with `share.n` replicas
   * (the test may change it), logging to `logs`.
   */
  function sharedPacer(share: { n: number; rank?: number }, limits: PacerOptions['limits'] = SLACK_LIMITS) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const logs: Array<Record<string, unknown>> = [];
    const log = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
    const pacer = new SlackPacer({
      limits,
      scale: SCALE,
      now: () => Date.now(),
      log,
      share: () => share.n,
      rank: () => share.rank ?? 0,
    });
    return { pacer, logs, t0: Date.now() };
  }

  /**
   * Asks for `n` calls at once; Slack answers each as soon as it is let out (`answer` decides how).
   * Resolves with when each went out, in ms from the start, once all have (or `untilMs` passed).
   */
  async function burst(
    pacer: SlackPacer,
    n: number,
    method: string,
    opts: { channel?: string; answer?: (t: Ticket, i: number) => void; onSent?: (sent: number) => void } = {},
  ): Promise<number[]> {
    const t0 = Date.now();
    const sent: number[] = [];
    for (let i = 0; i < n; i++)
      void pacer.acquire(method, opts.channel)!.then((t) => {
        sent.push(Date.now() - t0);
        (opts.answer ?? ((ticket) => ticket.answered()))(t, sent.length - 1);
        opts.onSent?.(sent.length);
      });
    // Those let out at once first, before any time passes.
    await vi.advanceTimersByTimeAsync(0);
    for (let waited = 0; sent.length < n && waited < 60 * WINDOW; waited += 50) await vi.advanceTimersByTimeAsync(50);
    return sent;
  }

  /** How many calls went out in each window from the start. */
  const perWindow = (sent: number[]) =>
    sent.reduce<number[]>((w, at) => {
      const i = Math.floor(at / WINDOW);
      while (w.length <= i) w.push(0);
      w[i]!++;
      return w;
    }, []);

  it('sends a burst of a workspace-wide method at a third of the pace when three replicas share it', async () => {
    const alone = await burst(sharedPacer({ n: 1 }).pacer, 60, 'conversations.create');
    const byRank: number[][] = [];
    for (const rank of [0, 1, 2]) {
      vi.useRealTimers();
      byRank.push(perWindow(await burst(sharedPacer({ n: 3, rank }).pacer, 48, 'conversations.create')));
    }
    // Tier 2 is 20 a minute: alone, 20 a window; one of three, 20 / 3 = 6 and 2 left over, which go
    // to the first two places once they have held them a window: 7, 7 and 6, 20 together, Slack's
    // whole limit and never over it.
    expect(perWindow(alone)).toEqual([20, 20, 20]);
    expect(byRank).toEqual([
      [6, 7, 7, 7, 7, 7, 7],
      [6, 7, 7, 7, 7, 7, 7],
      [6, 6, 6, 6, 6, 6, 6, 6],
    ]);
  });

  it('gives a place it has just taken no remainder for a window: the one who held it may not know yet', async () => {
    const share = { n: 3, rank: 0 };
    const { pacer } = sharedPacer(share);
    expect(perWindow(await burst(pacer, 13, 'conversations.create'))).toEqual([6, 7]);
    await vi.advanceTimersByTimeAsync(WINDOW);
    // Moved from the first place to the second (one before it left, another joined first): still a
    // remainder's place, but the replica now first may still be sending 7 from its old count.
    share.rank = 1;
    expect(perWindow(await burst(pacer, 13, 'conversations.create'))).toEqual([6, 7]);
  });

  it('reads a place that cannot be right (beyond the count, negative, not a number) as the last', async () => {
    for (const rank of [3, 4, -1, Number.NaN, 0.5]) {
      vi.useRealTimers();
      const sent = await burst(sharedPacer({ n: 3, rank }).pacer, 18, 'conversations.create');
      expect(perWindow(sent), `place ${rank}`).toEqual([6, 6, 6]);
    }
  });

  it('takes a change of share at its next slot: a replica joining mid-burst slows the rest of it', async () => {
    const share = { n: 1 };
    const { pacer, logs } = sharedPacer(share);
    const sent = await burst(pacer, 40, 'conversations.create', {
      onSent: (n) => {
        // A second replica's heartbeat counted while the first window's calls were out.
        if (n === 20) share.n = 2;
      },
    });
    expect(perWindow(sent)).toEqual([20, 10, 10]);
    expect(logs.filter((l) => l.event === 'slack.pace_shared')).toMatchObject([{ from: 1, to: 2, level: 30 }]);

    // And one dying gives its share back: the full allowance from the next slot on.
    share.n = 1;
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(perWindow(await burst(pacer, 40, 'conversations.create'))).toEqual([20, 20]);
    expect(logs.filter((l) => l.event === 'slack.pace_shared').map((l) => [l.from, l.to])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('does not divide a per-channel method: one room is posted to by one replica at a time', async () => {
    const { pacer } = sharedPacer({ n: 3 });
    const sent = await burst(pacer, 10, 'chat.postMessage', { channel: 'C0ROOM' });
    // Five in a burst, then five more after its five-second window (×60: 83 ms), as alone.
    expect(sent.filter((at) => at === 0)).toHaveLength(5);
    expect(sent.every((at) => at < 5_000 / SCALE + 100)).toBe(true);
  });

  it('keeps a stricter limit learned from Retry-After on top of the share, whichever is lower', async () => {
    // Two replicas: 10 a window each. Slack refuses the fifth (another client is busy too): 4 it is.
    const share = { n: 2 };
    const { pacer } = sharedPacer(share);
    const refuseFifth = (t: Ticket, i: number) => (i === 4 ? t.refused(WINDOW) : t.answered());
    const first = await burst(pacer, 5, 'conversations.create', { answer: refuseFifth });
    expect(first).toHaveLength(5);
    expect(perWindow(await burst(pacer, 12, 'conversations.create'))).toEqual([0, 4, 4, 4]);
    // A share lower than the learned limit wins in turn: one of ten replicas, floor(20 / 10) = 2 a window.
    share.n = 10;
    expect(perWindow(await burst(pacer, 6, 'conversations.create')).filter(Boolean)).toEqual([2, 2, 2]);
  });
});
