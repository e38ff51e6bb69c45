import { describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { PD_ALICE, PD_BOB, eventually, useBot, type Harness } from '../helpers/test-bot.ts';
import { PUBLISHED, SCALE } from '../helpers/published-tiers.ts';

async function page(h: Harness, pages: number, from = 0) {
  const incidents = Array.from({ length: pages }, (_, i) =>
    h.pd.createIncident({ title: `Disk ${from + i} full`, assignees: [i % 2 ? PD_ALICE : PD_BOB] }),
  );
  const answers = await Promise.all(incidents.map((p, i) => h.pd.trigger(p, { id: `STORM-${from + i}` })));
  // Each refused page with its answer, so that a failure says what the bot answered.
  expect(answers.filter((a) => a.status !== 202)).toEqual([]);
}

const allDone = (h: Harness, pages: number) =>
  eventually(
    () => h.slack.ws.messages.filter((m) => m.pinned).length === pages && h.bot.app.outbox.pendingStats().depth === 0,
    60_000,
    'every room open, staffed and pinned',
  );

async function storm(h: Harness, pages: number) {
  await page(h, pages);
  await allDone(h, pages);
}

const refused = (slack: FakeSlack, method?: string) =>
  slack.calls.filter((c) => c.status === 429 && (method === undefined || c.method === method));

function nothingLostOrDuplicated(h: Harness, pages: number) {
  const created = h.slack.succeeded('conversations.create');
  expect(created).toHaveLength(pages);
  expect(new Set(created.map((c) => c.args.name)).size).toBe(pages);
  // One summary per room, pinned once.
  const pinned = h.slack.ws.messages.filter((m) => m.pinned);
  expect(new Set(pinned.map((m) => m.channel)).size).toBe(pages);
  expect(h.slack.succeeded('pins.add')).toHaveLength(pages);
  expect(h.bot.app.db.prepare("SELECT count(*) FROM outbox WHERE state <> 'delivered'").pluck().get()).toBe(0);
  expect(h.slack.rejected).toEqual([]);
}

describe("Slack's rate limits", () => {
  const h = useBot({ pagerduty: true });

  it('are kept by a storm of pages: every room opens, staffed and pinned, without Slack having to say 429', async () => {
    h.slack.tiers = { scale: SCALE, perMinute: PUBLISHED };
    await storm(h, 30);
    expect(refused(h.slack)).toEqual([]);
    nothingLostOrDuplicated(h, 30);
  }, 90_000);

  it('are learned from Retry-After when Slack is stricter than it publishes: refused in one burst, then kept', async () => {
    const strict = 5;
    h.slack.tiers = { scale: SCALE, perMinute: { ...PUBLISHED, 'pins.add': strict } };
    await storm(h, 25);
    const refusals = refused(h.slack, 'pins.add');
    // The first refusal teaches the pacer; the pins after it wait for their slots instead.
    expect(refusals.length).toBeGreaterThan(0);
    const windowMs = 60_000 / SCALE;
    expect(refusals.every((c) => c.at - refusals[0]!.at < windowMs)).toBe(true);
    expect(refused(h.slack).filter((c) => c.method !== 'pins.add')).toEqual([]);
    nothingLostOrDuplicated(h, 25);
  }, 90_000);

  it("hold no delivery while a call waits its turn: a new page opens its room while a storm's pins wait", async () => {
    // One pin a second: the pacer learns it (two refusals), then the storm's pins wait seconds for their turns.
    h.slack.tiers = { scale: SCALE, perMinute: { ...PUBLISHED, 'pins.add': 1 } };
    await page(h, 20);
    // Past the refusals it learned from (and the outbox's pauses after them), every pin queued.
    await eventually(
      () =>
        h.slack.succeeded('pins.add').length >= 4 &&
        Array.from({ length: 20 }, (_, i) => h.bot.app.incidents.get(i + 1)?.summaryTs).every(Boolean),
      30_000,
      'pins going out one a second',
    );
    const pinnedBefore = h.slack.succeeded('pins.add').length;
    await page(h, 1, 20);
    await allDone(h, 21);
    const calls = h.slack.calls.filter((c) => c.ok);
    const late = h.bot.app.incidents.get(21)!;
    const created = calls.findIndex((c) => c.method === 'conversations.create' && c.args.name === late.channelName);
    const pins = calls.flatMap((c, i) => (c.method === 'pins.add' ? [i] : []));
    // Were waiting pins holding the delivery slots, the new room would wait for all but the last few of them.
    expect(created).toBeLessThan(pins[pinnedBefore + 4]!);
    nothingLostOrDuplicated(h, 21);
  }, 90_000);
});
