import type { Browser } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, watch } from '../helpers/browser.ts';
import { useBot, type Harness } from '../helpers/test-bot.ts';
import { ALICE, RANGE, seedFollowups, seedHistory, TIME_ZONE } from './seeded-history.ts';

const DAY = 86_400_000;

/** The link `/incident stats` hands out, pointed at this bot. */
async function linkFrom(h: Harness): Promise<string> {
  const res = await h.bot.command('stats 90d');
  const blocks = (res.body as { blocks: { text: { text: string } }[] }).blocks;
  const link = new URL(/^<([^|]+)\|/.exec(blocks.at(-1)!.text.text)![1]!.replaceAll('&amp;', '&'));
  return new URL(`${link.pathname}${link.search}`, h.bot.app.url).toString();
}

describe('the insights page in a real browser', () => {
  const h = useBot({ settings: `timezone: ${TIME_ZONE}\n`, clock: true, scope: 'all' });
  let browser: Browser;
  beforeAll(async () => {
    h.clock.now = RANGE.to;
    seedFollowups(h.bot.app.db, seedHistory(h.bot.app.db));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the signed link: the headline table, every chart as an SVG with its labels, no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const problems = watch(page);
    const blocked: string[] = [];
    page.on('request', (r) => !r.url().startsWith(h.bot.app.url) && blocked.push(r.url()));
    const res = await page.goto(await linkFrom(h));
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Incident insights — the last 90 days');
    expect(await page.locator('table tr:nth-child(2) td').allInnerTexts()).toEqual([
      'Incidents',
      '7 (6 resolved)',
      '0 (0 resolved)',
    ]);

    const charts = page.locator('svg[role="img"]');
    expect(await charts.evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')))).toEqual([
      'Median time to acknowledge per month',
      'Median time to resolve per month',
      'Incidents per severity',
      'Incidents per service',
      'Incidents per source',
      'Pages per person paged',
      'Pages by hour of day',
      'Follow-up burn-down',
      'Follow-ups opened and closed per month',
    ]);
    // Drawn, not just present: each chart has a size on screen and bars.
    for (const box of await charts.evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().height))) {
      expect(box).toBeGreaterThan(20);
    }
    const texts = (label: string) => page.locator(`svg[aria-label="${label}"] text`).allTextContents();
    expect(await texts('Incidents per severity')).toEqual(['sev1', '3', 'sev2', '2', 'sev3', '2']);
    expect(await texts('Pages per person paged')).toContain(ALICE);
    expect(await texts('Follow-up burn-down')).toEqual(expect.arrayContaining(['2026-01-01', '2026-04-01', '3', '0']));
    expect(await page.locator('svg[aria-label="Follow-up burn-down"] rect').count()).toBe(91);
    expect(await page.locator('h2').allInnerTexts()).toContain('Follow-up burn-down (open at the end of each day)');
    await page.screenshot({ path: join(ARTIFACTS, 'insights-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('refuses the same link once it is more than 24 hours old, saying how to get a new one', async () => {
    const link = await linkFrom(h);
    const page = await browser.newPage();
    h.clock.now += DAY - 60_000;
    expect((await page.goto(link))?.status()).toBe(200);
    h.clock.now += 2 * 60_000;
    const res = await page.goto(link);
    expect(res?.status()).toBe(403);
    expect(await page.locator('body').innerText()).toContain('This link has expired');
    expect(await page.locator('svg').count()).toBe(0);
    await page.close();
  });
});
