import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { ARTIFACTS, launchBrowser, watch } from '../helpers/browser.ts';

/** README screenshots: rewritten from this test's artifacts with UPDATE_SCREENSHOTS=1. */
const DOCS = fileURLToPath(new URL('../../docs/sandbox/', import.meta.url));

describe('the sandbox page, driven by a browser', () => {
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    sandbox = await startSandbox(
      { PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
      createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    problems = watch(page);
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const shot = async (p: Page, name: string) => {
    const file = join(ARTIFACTS, `sandbox-${name}.png`);
    await p.screenshot({ path: file });
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(file, join(DOCS, `${name}.png`));
    }
  };
  const send = async (text: string) => {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  };

  it('pages on-call, runs the incident from the channel, and shows the status page and the postmortem', async () => {
    await page.goto(`${sandbox.url}/sandbox`);
    await page.waitForSelector('#channels a[data-channel="general"]');
    expect(await page.locator('#user').inputValue()).toBe('U0ALICE01');

    // Page on-call: PagerDuty's signed trigger → a staffed channel with the summary pinned.
    await page.click('#page');
    const incidentChannel = page.locator('#channels a[data-channel^="inc-"]');
    await incidentChannel.first().waitFor();
    await incidentChannel.first().click();
    // The summary (the comms lead's duties are pinned beside it).
    const pinned = page.locator('.msg.pinned').filter({ has: page.locator('button[data-action="incident_resolve"]') });
    await pinned.waitFor();
    await expect.poll(() => pinned.innerText()).toContain('5xx rate above 5% for 5 minutes');
    await expect.poll(() => page.locator('.messages').innerText()).toContain('Comms lead');
    // Mentions show people's names, as Slack shows them.
    // (The private incident the sandbox starts with took carol's turn in the comms rotation: bob is next.)
    expect(await pinned.innerText()).toMatch(/Commander\s+@alice\s+Comms lead\s+@bob/);
    await expect.poll(() => page.locator('#chan-members').innerText()).toMatch(/alice.*bob/);
    await shot(page, '1-paged-channel');

    // Acknowledge from the summary's button; PagerDuty hears of it and says so back.
    await pinned.locator('button[data-action="incident_ack"]').click();
    await expect.poll(() => page.locator('.messages').innerText()).toMatch(/acknowledged/i);

    // A public update through the form: the form, its preview, then publish.
    await send('/incident update');
    await page.waitForSelector('#modal:not([hidden])');
    expect(await page.locator('#modal-title').innerText()).toBe('Post an update');
    await page.selectOption('.field[data-block="status"] select', 'identified');
    await page.fill(
      '.field[data-block="message"] textarea',
      'A bad deploy of checkout 4.2 raised errors; we are rolling it back.',
    );
    await page.selectOption('.field[data-block="components"] select', ['checkout']);
    await page.selectOption('.field[data-block="component_status"] select', 'partial_outage');
    await page.check('.field[data-block="public"] input[value="public"]');
    await shot(page, '2-update-form');
    await page.click('#modal-submit');
    await expect.poll(() => page.locator('#modal-title').innerText()).toBe('Preview');
    await page.click('#modal-submit');
    await page.waitForSelector('#modal', { state: 'hidden' });
    await expect.poll(() => page.locator('.messages').innerText()).toContain('rolling it back');
    await shot(page, '3-update-posted');

    // The status page shows it.
    const status = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const statusProblems = watch(status);
    await status.goto(`${sandbox.url}/status`);
    expect(await status.locator('body').innerText()).toContain(
      'A bad deploy of checkout 4.2 raised errors; we are rolling it back.',
    );
    await shot(status, '4-status-page');
    await status.close();
    expect(statusProblems).toEqual([]);

    // Say something hostile in the channel: shown as text, never run.
    await send('<img src=x onerror=alert(1)> *bold* <script>alert(2)</script>');
    await expect.poll(() => page.locator('.messages').innerText()).toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('.messages img').count()).toBe(0);
    expect(await page.locator('.messages script').count()).toBe(0);

    // Typed faster than the bot answers: every message is sent, in the order typed, none dropped.
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('#text')!;
      for (const text of ['first of three', 'second of three', 'third of three']) {
        input.value = text;
        input.form!.requestSubmit();
      }
    });
    await expect
      .poll(() => page.locator('.messages').innerText())
      .toMatch(/first of three[\s\S]*second of three[\s\S]*third of three/);

    // What the report needs: who was affected, and a follow-up with an owner.
    await send('/incident impact About 4% of checkouts in the EU failed for 12 minutes.');
    await send('/incident followup Alert on the 5xx rate of each deploy @bob');
    await expect.poll(() => page.locator('.messages').innerText()).toMatch(/follow-up/i);

    // Resolve: the button asks first, then the report goes to the fake GitHub.
    await pinned.locator('button[data-action="incident_resolve"]').click();
    await page.waitForSelector('#confirm:not([hidden])');
    expect(await page.locator('#confirm-title').innerText()).toBe('Resolve this incident?');
    await page.click('#confirm-ok');
    const report = page.locator('#postmortems a.postmortem-link');
    await report.first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.messages').innerText()).toMatch(/resolved/i);
    await shot(page, '5-resolved');

    // The follow-up became an issue, linked from the sidebar.
    await page.locator('#issues a').first().waitFor();
    expect(await page.locator('#issues a').first().innerText()).toContain('Alert on the 5xx rate of each deploy');

    // The bot's own link to the pull request (GitHub's html_url) leads to the sandbox's GitHub page.
    expect(await page.locator('.messages a', { hasText: 'the pull request' }).getAttribute('href')).toMatch(
      /^http:\/\/localhost:\d+\/sandbox\/github\/pull\/\d+$/,
    );

    const href = await report.first().getAttribute('href');
    const pm = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const pmProblems = watch(pm);
    await pm.goto(`${sandbox.url}${href}`);
    const headings = await pm.locator('.markdown-body h2').allInnerTexts();
    expect(headings).toEqual(expect.arrayContaining(['Summary', 'Who was affected?', 'What happened?']));
    expect(headings.some((h) => h.startsWith("What we're doing"))).toBe(true);
    const text = await pm.locator('.markdown-body').innerText();
    for (const fact of [
      '5xx rate above 5% for 5 minutes',
      'About 4% of checkouts in the EU failed for 12 minutes.',
      'Alert on the 5xx rate of each deploy',
      'rolling it back',
    ]) {
      expect(text, fact).toContain(fact);
    }
    // The report's link to the follow-up issue leads to the sandbox's own GitHub page.
    const issueHref = await pm
      .locator('.markdown-body a[href*="/sandbox/github/issues/"]')
      .first()
      .getAttribute('href');
    await pm.goto(issueHref!);
    expect(await pm.locator('.gh-title').innerText()).toContain('Alert on the 5xx rate of each deploy');
    await pm.goBack();
    await shot(pm, '6-postmortem');
    // The report's "Slack channel" link leads back to the channel in the sandbox.
    await pm.locator('.markdown-body a', { hasText: 'Slack channel' }).click();
    await pm.waitForURL(/\/sandbox#C/);
    await expect.poll(() => pm.locator('#chan-name').innerText()).toMatch(/^#inc-/);
    await pm.close();
    expect(pmProblems).toEqual([]);

    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps a form open with the bot\u2019s error under the field, and refuses requests from other sites', async () => {
    await send('/incident declare');
    await page.waitForSelector('#modal:not([hidden])');
    expect(await page.locator('#modal-title').innerText()).toBe('Declare an incident');
    await page.fill('.field[data-block="title"] input', '   ');
    // The browser's own "required" check passes on spaces; the bot must say what is wrong.
    await page.click('#modal-submit');
    await expect.poll(() => page.locator('.field[data-block="title"] .field-error').innerText()).not.toBe('');
    expect(await page.locator('#modal').isHidden()).toBe(false);
    await page.click('#modal-close');
    await page.waitForSelector('#modal', { state: 'hidden' });

    const forged = await fetch(`${sandbox.url}/sandbox/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ user: 'U0ALICE01', channel: 'C0GENERAL', text: 'declare pwned' }),
    });
    expect(forged.status).toBe(403);
    const form = await fetch(`${sandbox.url}/sandbox/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(403);
    const unknownUser = await fetch(`${sandbox.url}/sandbox/api/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'U0NOBODY1', channel: 'C0GENERAL', text: 'hi' }),
    });
    expect(unknownUser.status).toBe(400);
    // #general, the paged incident's channel and the private incident the sandbox starts with.
    expect(sandbox.slack.ws.channels.size).toBe(3);
    expect(problems).toEqual([]);
  }, 30_000);

  it('the disk page button sets off the example automation: the runbook runs in the channel by itself', async () => {
    await page.goto(`${sandbox.url}/sandbox`);
    await page.waitForSelector('#channels a[data-channel="general"]');
    await page.click('#page-disk');
    const channel = page.locator('#channels a[data-channel*="disk-usage"]');
    await channel.waitFor();
    await channel.click();
    const messages = page.locator('.messages');
    await expect.poll(() => messages.innerText()).toContain('Automation disk-full ran runbook dns-lookup');
    // The runbook's output, in the thread under its message: localhost resolved where the bot runs.
    await expect
      .poll(() => page.locator('.messages .thread').allInnerTexts(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/127\.0\.0\.1|::1/)]));
    expect(problems).toEqual([]);
  }, 30_000);

  it('opens the app\u2019s Home tab as the person chosen: the open incidents, the private one only for its people', async () => {
    await page.goto(`${sandbox.url}/sandbox`);
    await page.waitForSelector('#channels a[data-channel="general"]');
    await page.selectOption('#user', 'U0ALICE01');
    await page.click('#channels a[data-channel="general"]');
    await send('/incident declare Search results are stale sev3');
    await page.locator('#channels a[data-channel*="search-results-are-stale"]').waitFor();

    // Alice opens the Home tab: Slack tells the bot, which publishes it; the page draws what was published.
    await page.click('#home-link');
    const home = page.locator('#home-body');
    await expect.poll(() => home.innerText()).toContain('Search results are stale');
    await expect.poll(() => page.locator('#chat').isHidden()).toBe(true);
    expect(await home.innerText()).toContain('SEV3');
    // The private incident the sandbox starts with is david's: Alice is not in its channel and does not see it.
    expect(await home.innerText()).not.toContain('Suspicious admin logins');
    expect(await home.innerText()).not.toContain('\u{1F512}');
    expect(JSON.stringify(sandbox.slack.ws.homeTabs.get('U0ALICE01')?.view)).not.toContain('Suspicious');
    await shot(page, '7-home-tab');

    // The same tab as david, who is in it: both incidents, the private one with its lock.
    await page.selectOption('#user', 'U0DAVID01');
    await expect.poll(() => home.innerText()).toContain('Suspicious admin logins');
    expect(await home.innerText()).toContain('\u{1F512}');
    expect(await home.innerText()).toContain('Search results are stale');

    // David adds alice to the private channel (Slack's /invite): Slack tells the bot, which redraws her Home tab.
    await page.locator('#channels a[data-channel^="inc-"]', { hasText: 'suspicious-admin-logins' }).click();
    await send('/invite @alice');
    await expect.poll(() => page.locator('#chan-members').innerText()).toContain('alice');
    await page.selectOption('#user', 'U0ALICE01');
    await page.click('#home-link');
    await expect.poll(() => home.innerText(), { timeout: 15_000 }).toContain('Suspicious admin logins');
    expect(await home.innerText()).toContain('\u{1F512}');

    // Its Declare incident button opens the declare form, as in Slack.
    await home.locator('button[data-action="home_declare"]').click();
    await page.waitForSelector('#modal:not([hidden])');
    expect(await page.locator('#modal-title').innerText()).toBe('Declare an incident');
    await page.click('#modal-close');
    await page.waitForSelector('#modal', { state: 'hidden' });

    // Back to a channel: the chat again.
    await page.click('#channels a[data-channel="general"]');
    await expect.poll(() => page.locator('#home').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  }, 30_000);
});
