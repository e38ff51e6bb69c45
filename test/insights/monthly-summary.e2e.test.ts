import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';
import { firstWorkingDay } from '../../src/insights/monthly-summary.ts';
import { seedFollowups, seedHistory, TIME_ZONE } from './seeded-history.ts';

const CHANNEL = 'C0ANNOUNCE';
const SETTINGS = `timezone: ${TIME_ZONE}\nannouncements:\n  channel: ${CHANNEL}\n`;

/** The announcements channel in the fake Slack, with the bot in it. */
function announcementsChannel(h: Harness): void {
  h.slack.ws.channels.set(CHANNEL, {
    id: CHANNEL,
    name: 'announcements',
    created: Math.floor(Date.now() / 1000),
    creator: h.slack.ws.bot.id,
    is_private: false,
    is_archived: false,
    topic: '',
    members: new Set([h.slack.ws.bot.id]),
  });
}
const summaries = (h: Harness) => h.slack.ws.channelMessages(CHANNEL).filter((m) => m.text.includes('Incidents in'));
const claimed = (h: Harness) =>
  h.bot.app.db.prepare('SELECT month FROM insights_summaries ORDER BY month').pluck().all() as string[];

/**
 * What is asserted is what was claimed and posted, not what one call returned: the bot's own
 * 15-minute timer may take the tick at the same (test) time.
 */
async function tick(h: Harness, at: number): Promise<void> {
  h.clock.now = at;
  h.bot.app.runMonthlySummary();
  await settled(h.bot.app, () => h.clock.now);
}

it('the first working day: Monday the 2nd after a Sunday 1st, Monday the 3rd after a Saturday, else the 1st', () => {
  expect(firstWorkingDay(2026, 3)).toBe(2); // Sun 1 March 2026
  expect(firstWorkingDay(2026, 8)).toBe(3); // Sat 1 August 2026
  expect(firstWorkingDay(2026, 4)).toBe(1); // Wed 1 April 2026
  expect(firstWorkingDay(2026, 5)).toBe(1); // Fri 1 May 2026
});

describe('the monthly insights summary in the announcements channel', () => {
  const h = useBot({ settings: SETTINGS, clock: true });
  beforeEach(() => announcementsChannel(h));

  it("posts last month's headline figures at 09:00 on the 1st working day (Wed 1 April), once, without private incidents", async () => {
    seedFollowups(h.bot.app.db, seedHistory(h.bot.app.db));
    // 08:59 in Berlin (UTC+2 since 29 March): not yet.
    await tick(h, Date.UTC(2026, 3, 1, 6, 59));
    expect(claimed(h)).toEqual([]);
    await tick(h, Date.UTC(2026, 3, 1, 7, 0));
    const [post] = await eventually(() => summaries(h).length === 1 && summaries(h), 10_000, 'the summary');
    // March (counted by hand in figures.test.ts): I6 open, I7 resolved; TTA 3 and 1 min; TTR 30 min; one
    // page, at 18:59 (out of hours); follow-ups F5 opened, F4 closed (F6 is 1 April in Berlin; F7 private).
    const lines = post!.text.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      ':bar_chart: *Incidents in March 2026*',
      '• *Incidents*: 2, 1 resolved',
      '• *Time to acknowledge*: median 1m, p90 3m',
      '• *Time to resolve*: median 30m, p90 30m',
      '• *Pages*: 1, 1 out of hours',
      '• *Follow-ups*: 1 opened, 1 closed',
    ]);
    // The signed link opens the page for that month.
    const url = /^<([^|>]+)\|Open the insights page>/.exec(lines[6]!)![1]!.replaceAll('&amp;', '&');
    const link = new URL(url);
    expect(link.searchParams.get('period')).toBe('2026-03');
    const page = await fetch(new URL(`${link.pathname}${link.search}`, h.bot.app.url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Incident insights — March 2026</title>');
    expect(html).toContain('<td>Incidents</td><td>2 (1 resolved)</td>');

    await tick(h, Date.UTC(2026, 3, 1, 9, 0));
    await tick(h, Date.UTC(2026, 3, 2, 7, 0));
    expect(claimed(h)).toEqual(['2026-03']);
    expect(summaries(h)).toHaveLength(1);
  });

  it('when the 1st is a Saturday, posts on Monday the 3rd, and not again after two restarts', async () => {
    for (const at of [
      Date.UTC(2026, 7, 1, 8, 0), // Sat 1 August 10:00 Berlin
      Date.UTC(2026, 7, 2, 8, 0), // Sun 2 August
      Date.UTC(2026, 7, 3, 6, 30), // Mon 3 August 08:30
    ]) {
      await tick(h, at);
      expect(claimed(h)).toEqual([]);
    }
    await tick(h, Date.UTC(2026, 7, 3, 7, 0)); // Mon 09:00
    await eventually(() => summaries(h).length === 1, 10_000, 'the summary');
    expect(summaries(h)[0]!.text).toContain('*Incidents in July 2026*');
    expect(summaries(h)[0]!.text).toContain('• *Incidents*: 0, 0 resolved');

    // Retention has since dropped the delivered post from the outbox: only the claim remembers the month.
    expect(h.bot.app.outbox.pruneDelivered(Number.MAX_SAFE_INTEGER)).toBeGreaterThan(0);
    const settings = join(dirname(h.dbPath), 'settings.yaml');
    for (const at of [Date.UTC(2026, 7, 3, 7, 5), Date.UTC(2026, 7, 4, 7, 0)]) {
      await h.bot.app.stop(0);
      h.bot = await startTestBot(h.slack, h.dbPath, { env: { CONFIG_PATH: settings }, now: () => h.clock.now });
      await tick(h, at);
    }
    expect(claimed(h)).toEqual(['2026-07']);
    expect(summaries(h)).toHaveLength(1);
  });

  it('without announcements.channel nothing is posted', async () => {
    await h.bot.app.stop(0);
    const settings = join(dirname(h.dbPath), 'plain.yaml');
    writeFileSync(settings, `timezone: ${TIME_ZONE}\n`);
    h.bot = await startTestBot(h.slack, h.dbPath, { env: { CONFIG_PATH: settings }, now: () => h.clock.now });
    h.clock.now = Date.UTC(2026, 3, 1, 8, 0);
    expect(h.bot.app.runMonthlySummary()).toBe('off');
    expect(claimed(h)).toEqual([]);
  });
});
