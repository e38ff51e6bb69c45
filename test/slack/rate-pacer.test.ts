import { describe, expect, it } from 'vitest';
import { SlackPacer, type PacerOptions, type Ticket } from '../../src/slack/rate-pacer.ts';

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
