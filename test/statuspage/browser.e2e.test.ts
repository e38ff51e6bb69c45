import type { Browser } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, watch } from '../helpers/browser.ts';
import { BOB, declared, useBot } from '../helpers/test-bot.ts';

const SETTINGS = `status_page:\n  name: Acme Status\ncomponents:\n  - { id: api, name: API, description: Public REST API, group: Core }\n  - { id: checkout, name: Checkout, group: Core }\n  - { id: docs, name: Documentation }\ncomms:\n  rotation: [${BOB.id}]\n`;

describe('the status page in a real browser', () => {
  const h = useBot({ settings: SETTINGS, scope: 'all' });
  let browser: Browser;
  let xssIncident: number;
  let pastIncident: number;
  beforeAll(async () => {
    browser = await launchBrowser();
    // Built through Slack commands, as a team would, with hostile text everywhere customers see.
    const past = await declared(h, 'Docs search returned nothing sev3');
    await h.bot.command('update identified Index rebuild in progress --public --components docs:degraded', {
      channel: past.channel,
      user: BOB.id,
    });
    await h.bot.command('resolve Index rebuilt', { channel: past.channel });
    pastIncident = past.incident.id;
    const preview = await h.bot.command('postmortem publish', { channel: past.channel });
    const code = /publish confirm ([0-9a-f]{10})/.exec((preview.body as { text: string }).text)![1]!;
    await h.bot.command(`postmortem publish confirm ${code}`, { channel: past.channel });
    await h.bot.command('maintenance schedule now 2h docs <b>Search</b> index migration.');
    const { incident, channel } = await declared(
      h,
      '"><img src=x onerror="window.__xss=1;alert(1)"> Checkout down sev1',
    );
    xssIncident = incident.id;
    await h.bot.command(
      'update investigating Investigating failed card payments. --public --components checkout:major,api:degraded',
      { channel, user: BOB.id },
    );
    await h.bot.command(
      'update identified &lt;script&gt;window.__xss=2;alert(2)&lt;/script&gt; see <javascript:alert(3)|this link> and &lt;a href="javascript:alert(4)"&gt;x&lt;/a&gt; --public',
      { channel, user: BOB.id },
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders /status with the banner, components, active and past incidents, and no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } }); // a phone
    const problems = watch(page);
    const res = await page.goto(`${h.bot.app.url}/status`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('.banner').innerText()).toBe('Major Service Outage');
    expect(await page.locator('.component .name').allInnerTexts()).toEqual([
      'API\nPublic REST API',
      'Checkout',
      'Documentation',
    ]);
    expect(await page.locator('.component .cstatus').allInnerTexts()).toEqual([
      'Degraded performance',
      'Major outage',
      // The maintenance scheduled on it is in progress.
      'Under maintenance',
    ]);
    expect(await page.locator('.active .incident h3').innerText()).toBe(
      '"><img src=x onerror="window.__xss=1;alert(1)"> Checkout down',
    );
    expect(await page.locator('.history .incident h3').innerText()).toBe('Docs search returned nothing');
    // The stylesheet loaded under the strict CSP (no inline styles needed).
    expect(await page.locator('.banner').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
    await page.screenshot({ path: join(ARTIFACTS, 'status.png'), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws 90-day bars whose words show on keyboard focus, the maintenance and the public report', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 1200 } });
    const problems = watch(page);
    await page.goto(`${h.bot.app.url}/status`);
    expect(await page.locator('.component').count()).toBe(3);
    for (const list of await page.locator('.component .bars').all())
      expect(await list.locator('.bar').count()).toBe(90);
    const today = page.locator('.component').nth(1).locator('.bar').last();
    expect(await today.getAttribute('class')).toBe('bar bar-major_outage');
    const tip = today.locator('.tip');
    // Hidden from sight (but read out) until the bar has focus.
    expect((await tip.boundingBox())!.width).toBeLessThanOrEqual(1);
    await today.focus();
    expect((await tip.boundingBox())!.width).toBeGreaterThan(50);
    expect(await tip.innerText()).toMatch(
      /: Major outage\. Incidents: "><img src=x onerror="window.__xss=1;alert\(1\)"> Checkout down$/,
    );
    expect(await page.locator('.component .uptime').first().innerText()).toMatch(
      / uptime over the last 90 days · Subscribe to API/,
    );
    // Markup typed in the message is shown as text, never rendered.
    expect(await page.locator('.maintenances .maintenance h3').innerText()).toBe('<b>Search</b> index migration.');
    expect(await page.locator('.maintenances b').count()).toBe(0);
    expect(await page.locator('.maintenances .mstatus').innerText()).toBe('In progress');
    await page.screenshot({ path: join(ARTIFACTS, 'status-bars.png'), fullPage: true });
    await page.goto(`${h.bot.app.url}/status/incidents/${pastIncident}`);
    expect(await page.locator('.report h2').innerText()).toBe('Post-incident report');
    expect(await page.locator('.report .happened li').allInnerTexts()).toEqual([
      expect.stringMatching(/ — Identified: Index rebuild in progress$/),
      expect.stringMatching(/ — Resolved: Index rebuilt$/),
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'incident-report.png'), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders the incident page newest update first, with hostile text inert', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    const problems = watch(page);
    await page.goto(`${h.bot.app.url}/status/incidents/${xssIncident}`);
    expect(await page.locator('.update h2').allInnerTexts()).toEqual(['Identified', 'Investigating']);
    const bodies = await page.locator('.update .body').allInnerTexts();
    expect(bodies[0]).toBe(
      '<script>window.__xss=2;alert(2)</script> see <javascript:alert(3)|this link> and <a href="javascript:alert(4)">x</a>',
    );
    expect(await page.locator('.affects').innerText()).toBe('Affects: Checkout, API');
    await page.screenshot({ path: join(ARTIFACTS, 'incident.png'), fullPage: true });
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });
});
