import { describe, expect, it } from 'vitest';
import { ALICE, BOB, eventually, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `status_page:
  name: Acme Status
components:
  - { id: api, name: API }
  - { id: web, name: Website }
comms:
  rotation: [${BOB.id}]
`;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'medium' });

/** A slash command, signed at the real time (Slack's signature window is the real clock's). */
const command = (h: Harness, text: string, o: { user?: string; channel?: string } = {}) =>
  h.bot.command(text, { user: o.user ?? ALICE.id, channel: o.channel });

async function declare(h: Harness, text: string) {
  const res = await command(h, `declare ${text}`);
  const id = Number(/#(\d+)/.exec((res.body as { text: string }).text)?.[1]);
  const incident = await eventually(() =>
    h.bot.app.incidents.get(id)?.channelId ? h.bot.app.incidents.get(id) : undefined,
  );
  await settled(h.bot.app, () => h.clock.now);
  return incident!;
}

/** The bars of one component on /status: each day's class and words, oldest first. */
async function bars(h: Harness, name: string) {
  const page = await (await fetch(`${h.bot.app.url}/status`)).text();
  const list = new RegExp(
    `<ol class="bars" aria-label="${name}: the last 90 days, oldest first">([\\s\\S]*?)</ol>`,
  ).exec(page)?.[1];
  const days = [
    ...(list ?? '').matchAll(/<li class="bar bar-(\w+)" tabindex="0"><span class="tip">([^<]*)<\/span><\/li>/g),
  ];
  return { page, days: days.map((m) => ({ status: m[1]!, text: m[2]! })) };
}

describe('uptime history on /status', () => {
  const h = useBot({ settings: SETTINGS, clock: true });

  it('draws 90 days per component, each its worst status with the day’s incidents in words, and the uptime', async () => {
    const t0 = h.clock.now; // the bot started (and recorded every component operational) now
    // At noon two days on, so that the hour of outage stays within one UTC day whenever the test runs.
    const outageAt = Math.floor(t0 / DAY) * DAY + 2 * DAY + 12 * HOUR;
    h.clock.now = outageAt;
    const incident = await declare(h, 'Checkout <errors> sev1');
    await command(h, 'update identified Card payments fail. --public --components api:major', {
      user: ALICE.id,
      channel: incident.channelId!,
    });
    h.clock.now = outageAt + 20 * 60_000;
    await command(h, 'update monitoring Recovering. --public --components api:degraded', {
      channel: incident.channelId!,
    });
    h.clock.now = outageAt + HOUR;
    await command(h, 'resolve Fixed', { channel: incident.channelId! });
    h.clock.now = outageAt + DAY + HOUR;

    const api = await bars(h, 'API');
    expect(api.days).toHaveLength(90);
    const dayOf = (ms: number) => 89 - (Math.floor(h.clock.now / DAY) - Math.floor(ms / DAY));
    // Before the first record: no data; from it on: operational, except the outage's day(s).
    expect(api.days[dayOf(t0) - 1]).toEqual({ status: 'none', text: `${day.format(t0 - DAY)}: No data` });
    expect(api.days[dayOf(t0)]!.status).toBe('operational');
    const outageDay = dayOf(outageAt);
    expect(api.days[outageDay]).toEqual({
      status: 'major_outage',
      // Escaped once by the template (&lt;), read as text by a browser and a screen reader.
      text: `${day.format(outageAt)}: Major outage. Incidents: Checkout &lt;errors&gt;`,
    });
    expect(api.days[89]).toEqual({ status: 'operational', text: `${day.format(h.clock.now)}: Operational` });
    const others = api.days.filter((_, i) => i >= dayOf(t0) && i !== outageDay);
    expect(others.every((d) => d.status === 'operational' && !d.text.includes('Incidents'))).toBe(true);

    // Website was never touched: all operational since the first record, and 100 %.
    const web = await bars(h, 'Website');
    expect(web.days.slice(dayOf(t0)).every((d) => d.status === 'operational')).toBe(true);
    expect(web.page).toMatch(/<p class="uptime">100 % uptime over the last 90 days · /);

    // 20 minutes of major outage count whole, 40 of degraded performance not at all.
    const known = h.clock.now - t0;
    const expected = Math.floor(((100 * (known - 20 * 60_000)) / known) * 100) / 100;
    expect(api.page).toContain(`<p class="uptime">${expected.toFixed(2)} % uptime over the last 90 days · `);
  });

  it('keeps the history across a restart, recording only real changes', async () => {
    const rows = () => h.bot.app.db.prepare('SELECT component_id, status FROM component_status_history').all();
    expect(rows()).toEqual([
      { component_id: 'api', status: 'operational' },
      { component_id: 'web', status: 'operational' },
    ]);
    const incident = await declare(h, 'Web slow sev3');
    await command(h, 'update investigating Slow pages. --public --components web:partial', {
      channel: incident.channelId!,
    });
    await command(h, 'update investigating Still slow. --public --components web:partial', {
      channel: incident.channelId!,
    });
    const recorded = [
      { component_id: 'api', status: 'operational' },
      { component_id: 'web', status: 'operational' },
      { component_id: 'web', status: 'partial_outage' },
    ];
    expect(rows()).toEqual(recorded);
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath, {
      env: { CONFIG_PATH: h.bot.config.configPath },
      now: () => h.clock.now,
    });
    expect(rows()).toEqual(recorded);
    expect((await bars(h, 'Website')).days[89]!.status).toBe('partial_outage');
  });
});
