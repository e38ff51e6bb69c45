import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { ALICE, BOB, eventually, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `status_page:
  name: Acme Status
  maintenance: [${ALICE.id}]
components:
  - { id: api, name: API, group: Core, statuspage_id: sp-api }
  - { id: web, name: Website, group: Core }
  - { id: checkout, name: Checkout }
`;
const HOUR = 3_600_000;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const iso = (ms: number) => new Date(ms).toISOString();
/** A whole minute, so the times typed in the command are exact. */
const minute = (ms: number) => Math.ceil(ms / 60_000) * 60_000;

const get = async (h: Harness, path: string) => {
  const res = await fetch(`${h.bot.app.url}${path}`);
  return { status: res.status, text: await res.text() };
};
const json = async (h: Harness, path: string) => JSON.parse((await get(h, path)).text);
/** A slash command, signed at the real time (Slack's signature window is the real clock's). */
const command = (h: Harness, text: string, user = ALICE.id) => h.bot.command(text, { user });
const replyText = (r: { body: unknown }) => (r.body as { text: string }).text;
const ids = (list: { id: string }[]) => list.map((m) => m.id);

describe('scheduled maintenance', () => {
  const h = useBot({ settings: SETTINGS, clock: true, env: { PUBLIC_URL: 'https://status.acme.test' } });

  it('moves scheduled → in progress → verifying → completed on time, with Statuspage’s fields throughout', async () => {
    const start = minute(h.clock.now + HOUR);
    const reply = await command(
      h,
      `maintenance schedule ${iso(start).slice(0, 16)}Z 2h api,web Database upgrade. Brief API errors are possible <@U0BOB0001>.`,
    );
    expect(replyText(reply)).toMatch(/^Scheduled maintenance \*#1\* “Database upgrade\.”/);

    // Scheduled: upcoming, not active; nothing is under maintenance yet.
    const upcoming = await json(h, '/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.page).toEqual({
      id: 'incident-bot',
      name: 'Acme Status',
      url: 'https://status.acme.test/status',
      time_zone: 'UTC',
      updated_at: ISO,
    });
    expect(upcoming.scheduled_maintenances).toHaveLength(1);
    const m = upcoming.scheduled_maintenances[0];
    // Field by field as Statuspage's scheduled-maintenances endpoints document them.
    expect(m).toEqual({
      id: 'm1',
      name: 'Database upgrade.',
      status: 'scheduled',
      created_at: ISO,
      updated_at: ISO,
      monitoring_at: null,
      resolved_at: null,
      impact: 'maintenance',
      shortlink: 'https://status.acme.test/status/maintenances/1',
      started_at: iso(start),
      page_id: 'incident-bot',
      incident_updates: [
        {
          id: expect.any(String),
          status: 'scheduled',
          // Mentions never reach customers.
          body: 'Database upgrade. Brief API errors are possible .',
          incident_id: 'm1',
          created_at: ISO,
          updated_at: ISO,
          display_at: ISO,
          affected_components: [
            { code: 'api', name: 'API', old_status: 'operational', new_status: 'operational' },
            { code: 'web', name: 'Website', old_status: 'operational', new_status: 'operational' },
          ],
          deliver_notifications: true,
          custom_tweet: null,
          tweet_id: null,
        },
      ],
      components: [
        expect.objectContaining({ id: 'api', status: 'operational', group_id: 'grp.core', group: false }),
        expect.objectContaining({ id: 'web', status: 'operational', group_id: 'grp.core', group: false }),
      ],
      scheduled_for: iso(start),
      scheduled_until: iso(start + 2 * HOUR),
    });
    expect((await json(h, '/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances).toEqual([]);
    expect(ids((await json(h, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances)).toEqual(['m1']);
    const summary = await json(h, '/api/v2/summary.json');
    expect(ids(summary.scheduled_maintenances)).toEqual(['m1']);
    expect(summary.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });

    // The start passes: in progress, its components under maintenance, the indicator says so.
    h.clock.now = start + 60_000;
    expect(h.bot.app.maintenances.advance()).toBe(1);
    const active = await json(h, '/api/v2/scheduled-maintenances/active.json');
    expect(active.scheduled_maintenances.map((x: { status: string }) => x.status)).toEqual(['in_progress']);
    const running = active.scheduled_maintenances[0];
    expect(running.started_at).toBe(iso(start));
    expect(running.incident_updates.map((u: { status: string }) => u.status)).toEqual(['in_progress', 'scheduled']);
    expect(running.incident_updates[0].affected_components[0]).toEqual({
      code: 'api',
      name: 'API',
      old_status: 'operational',
      new_status: 'under_maintenance',
    });
    expect((await json(h, '/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances).toEqual([]);
    const during = await json(h, '/api/v2/summary.json');
    expect(during.status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    expect(during.components.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['grp.core', 'under_maintenance'],
      ['api', 'under_maintenance'],
      ['web', 'under_maintenance'],
      ['checkout', 'operational'],
    ]);
    const page = (await get(h, '/status')).text;
    expect(page).toContain('<section class="maintenances">');
    expect(page).toContain('<a href="/status/maintenances/1">Database upgrade.</a>');
    expect(page).toContain('<strong class="mstatus">In progress</strong>');
    expect(page).toContain('banner-maintenance');
    expect((await get(h, '/status/maintenances/1')).text).toContain('<h1>Database upgrade.</h1>');
    expect(h.bot.app.maintenances.advance()).toBe(0);

    // The end passes: verifying, components back; fifteen minutes later, completed by itself.
    h.clock.now = start + 2 * HOUR + 60_000;
    expect(h.bot.app.maintenances.advance()).toBe(1);
    const verifying = await json(h, '/api/v2/summary.json');
    expect(verifying.scheduled_maintenances.map((x: { status: string }) => x.status)).toEqual(['verifying']);
    expect(verifying.status.indicator).toBe('none');
    expect(verifying.components.every((c: { status: string }) => c.status === 'operational')).toBe(true);
    h.clock.now = start + 2 * HOUR + 16 * 60_000;
    expect(h.bot.app.maintenances.advance()).toBe(1);
    expect((await json(h, '/api/v2/summary.json')).scheduled_maintenances).toEqual([]);
    const [done] = (await json(h, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances;
    expect(done).toMatchObject({ id: 'm1', status: 'completed', resolved_at: iso(start + 2 * HOUR + 15 * 60_000) });
    expect(done.incident_updates.map((u: { status: string; display_at: string }) => [u.status, u.display_at])).toEqual([
      ['completed', iso(start + 2 * HOUR + 15 * 60_000)],
      ['verifying', iso(start + 2 * HOUR)],
      ['in_progress', iso(start)],
      ['scheduled', ISO],
    ]);

    // Each step is an entry of the Atom feed, which still parses.
    const feed = (await get(h, '/status/history.atom')).text;
    expect(XMLValidator.validate(feed)).toBe(true);
    const entries = [new XMLParser({ ignoreAttributes: false }).parse(feed).feed.entry].flat();
    expect(entries.map((e: { title: string }) => e.title)).toEqual([
      'Database upgrade. — Completed maintenance',
      'Database upgrade. — Verifying maintenance',
      'Database upgrade. — In progress maintenance',
      'Database upgrade. — Scheduled maintenance',
    ]);
  });

  it('catches up after a restart: every missed step recorded once, dated when it was due', async () => {
    const start = minute(h.clock.now + HOUR);
    await command(h, `maintenance schedule ${iso(start).slice(0, 16)}Z 30m checkout Card vault rotation.`);
    await h.bot.app.stop(0);
    h.clock.now = start + 3 * HOUR;
    h.bot = await startTestBot(h.slack, h.dbPath, {
      env: { CONFIG_PATH: h.bot.config.configPath!, PUBLIC_URL: 'https://status.acme.test' },
      now: () => h.clock.now,
    });
    const list = (await json(h, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances;
    const rotation = list.find((x: { name: string }) => x.name === 'Card vault rotation.');
    expect(rotation.status).toBe('completed');
    expect(
      rotation.incident_updates.map((u: { status: string; display_at: string }) => [u.status, u.display_at]),
    ).toEqual([
      ['completed', iso(start + 45 * 60_000)],
      ['verifying', iso(start + 30 * 60_000)],
      ['in_progress', iso(start)],
      ['scheduled', ISO],
    ]);
    expect(h.bot.app.maintenances.advance()).toBe(0);
  });

  it('refuses bad windows and people the settings do not name, and stores nothing', async () => {
    const before = (await json(h, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances.length;
    const at = iso(minute(h.clock.now + HOUR)).slice(0, 16);
    const cases: [string, string | RegExp, string?][] = [
      [
        `maintenance schedule ${at}Z 1h nosuch Upgrade.`,
        'No such component: nosuch. The status page lists: api, web, checkout.',
      ],
      [`maintenance schedule tomorrow 1h api Upgrade.`, /is not a time/],
      [`maintenance schedule 2026-02-30T02:00Z 1h api Upgrade.`, /is not a date that exists/],
      [`maintenance schedule ${at}Z ${at}Z api Upgrade.`, 'A maintenance window must end after it starts.'],
      [`maintenance schedule ${at}Z 9d api Upgrade.`, 'A maintenance window lasts at most 7 days.'],
      [`maintenance schedule ${at}Z 1h`, /^Usage:/],
      [`maintenance schedule ${at}Z 1h api Upgrade.`, /You may not schedule maintenance/, BOB.id],
    ];
    for (const [text, expected, user] of cases) {
      const answer = replyText(await command(h, text, user));
      if (typeof expected === 'string') expect(answer, text).toBe(expected);
      else expect(answer, text).toMatch(expected);
    }
    expect((await json(h, '/api/v2/scheduled-maintenances.json')).scheduled_maintenances).toHaveLength(before);
  });

  it('starts now and completes early on request', async () => {
    const reply = await command(h, 'maintenance schedule now 1h none Config push.');
    const id = Number(/#(\d+)/.exec(replyText(reply))?.[1]);
    expect(h.bot.app.maintenances.deps.maintenances.get(id)?.status).toBe('in_progress');
    expect(replyText(await command(h, `maintenance complete ${id}`))).toBe(
      `Maintenance *#${id}* “Config push.” is completed; its components are back to normal.`,
    );
    expect(h.bot.app.maintenances.deps.maintenances.get(id)?.status).toBe('completed');
    expect(replyText(await command(h, `maintenance complete ${id}`))).toBe(`Maintenance #${id} is already completed.`);
  });
});

describe('maintenance times', () => {
  const h = useBot({ settings: `timezone: Asia/Kolkata\n${SETTINGS}`, clock: true });

  it('reads a time without an offset in the settings’ time zone, and one with an offset as written', async () => {
    const day = iso(h.clock.now + 2 * 86_400_000).slice(0, 10);
    await command(h, `maintenance schedule ${day}T02:00 90m api Kernel patching.`);
    await command(h, `maintenance schedule ${day}T02:00-04:00 +1h api Disk swap.`);
    const [kernel, disk] = (await json(h, '/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances;
    // 02:00 in Kolkata (UTC+05:30) is 20:30 UTC the day before.
    expect(kernel.scheduled_for).toBe(iso(Date.parse(`${day}T02:00:00+05:30`)));
    expect(kernel.scheduled_until).toBe(iso(Date.parse(`${day}T03:30:00+05:30`)));
    expect(disk.scheduled_for).toBe(iso(Date.parse(`${day}T06:00:00Z`)));
    expect(disk.scheduled_until).toBe(iso(Date.parse(`${day}T06:00:00Z`) + HOUR));
  });
});

describe('scheduled maintenance mirrored to Atlassian Statuspage', () => {
  const h = useBot({ settings: SETTINGS, clock: true });

  it('creates it there as a scheduled maintenance and patches each step, components included', async () => {
    const sp = await new FakeStatuspage().start();
    try {
      await h.bot.app.stop(0);
      h.bot = await startTestBot(h.slack, h.dbPath, {
        env: {
          CONFIG_PATH: h.bot.config.configPath!,
          STATUSPAGE_API_KEY: sp.apiKey,
          STATUSPAGE_PAGE_ID: sp.pageId,
          STATUSPAGE_API_URL: sp.url,
        },
        now: () => h.clock.now,
      });
      const start = minute(h.clock.now + HOUR);
      await command(h, `maintenance schedule ${iso(start).slice(0, 16)}Z 1h api,checkout Network maintenance.`);
      const writes = () => sp.calls.filter((c) => c.status < 300 && c.method !== 'GET');
      await eventually(() => writes().length === 1);
      expect(writes()[0]).toEqual({
        method: 'POST',
        path: `/v1/pages/${sp.pageId}/incidents`,
        status: 201,
        body: {
          incident: {
            name: 'Network maintenance.',
            status: 'scheduled',
            body: 'Network maintenance.',
            impact_override: 'maintenance',
            scheduled_for: iso(start),
            scheduled_until: iso(start + HOUR),
            scheduled_remind_prior: false,
            scheduled_auto_in_progress: false,
            scheduled_auto_completed: false,
            // Only components mapped to Statuspage (checkout has no statuspage_id).
            components: { 'sp-api': 'operational' },
            component_ids: ['sp-api'],
          },
        },
      });
      h.clock.now = start + 60_000;
      h.bot.app.maintenances.advance();
      await eventually(() => writes().length === 2);
      await settled(h.bot.app, () => h.clock.now);
      expect(writes()[1]).toMatchObject({
        method: 'PATCH',
        path: `/v1/pages/${sp.pageId}/incidents/spinc1`,
        body: { incident: { status: 'in_progress', components: { 'sp-api': 'under_maintenance' } } },
      });
    } finally {
      await sp.stop();
    }
  });
});
