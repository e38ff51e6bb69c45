import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `components:\n  - { id: api, name: API, statuspage_id: sp-api }\ncomms:\n  rotation: [${BOB.id}]\n`;
const sp = new FakeStatuspage();
beforeAll(async () => {
  await sp.start();
});
afterAll(() => sp.stop());

const get = async (h: Harness, path: string) => (await fetch(`${h.bot.app.url}${path}`)).text();
/** Everything the public can read about incidents: the page, an incident's page, the v2 API, the feed, the Statuspage mirror. */
const publicOutputs = async (h: Harness, id: number) => {
  await settled(h.bot.app);
  return {
    html: await get(h, '/status'),
    incidentHtml: await get(h, `/status/incidents/${id}`),
    v2: await get(h, '/api/v2/summary.json'),
    incidents: await get(h, '/api/v2/incidents.json'),
    atom: await get(h, '/status/history.atom'),
    mirror: JSON.stringify(sp.calls.filter((c) => c.method !== 'GET').map((c) => c.body)),
  };
};
// Who and where, as Slack names them and as they read once decoded.
const LEAKS = [
  '@bob',
  'U0BOB0001',
  '@sre',
  'S0SRE0001',
  '@here',
  '#ops',
  'C0OPS0001',
  'U0CAROL01',
  '@carol',
  '@channel',
];

describe('the public name of an incident', () => {
  const h = useBot({
    settings: SETTINGS,
    get env() {
      return { STATUSPAGE_API_KEY: sp.apiKey, STATUSPAGE_PAGE_ID: sp.pageId, STATUSPAGE_API_URL: sp.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('is the title without Slack mentions, and public updates lose theirs: no mention reaches any public output', async () => {
    const { incident, channel } = await declared(
      h,
      'Checkout down, <@U0BOB0001|bob> and <!subteam^S0SRE0001|@sre> on it in <#C0OPS0001|ops> <!here> sev1',
      ALICE.id,
    );
    // Inside, the title keeps who was named.
    expect(incident.title).toBe('Checkout down, @bob and @sre on it in #ops @here');
    expect(incident.publicTitle).toBe('Checkout down, and on it in');
    await h.bot.command(
      'update identified Card payments fail; <@U0CAROL01> and <!channel> rolling back --public --components api:major',
      { channel, user: BOB.id },
    );
    expect(h.bot.app.incidents.updates(incident.id)[0]!.body).toBe('Card payments fail; and rolling back');

    await eventually(() => sp.calls.some((c) => c.method === 'POST'), 10_000, 'the Statuspage mirror');
    const outputs = await publicOutputs(h, incident.id);
    for (const [where, text] of Object.entries(outputs)) {
      expect(text, where).toContain('Checkout down, and on it in');
      for (const leak of LEAKS)
        expect({ where, leak, found: text.includes(leak) }).toEqual({ where, leak, found: false });
    }
  });

  it('can be set with /incident public-name by whoever may publish, and is then used everywhere public', async () => {
    const { incident, channel } = await declared(h, 'db-7 disk full, <@U0BOB0001> paging sev2', ALICE.id);
    const refused = await h.bot.command('public-name Database maintenance', { channel, user: CAROL.id });
    expect((refused.body as { text: string }).text).toMatch(/^Only the commander or the comms lead may publish/);
    const set = await h.bot.command('public-name Slow checkout for <@U0CAROL01> some customers', {
      channel,
      user: ALICE.id,
    });
    expect((set.body as { text: string }).text).toBe(
      `The status page now calls incident #${incident.id} “Slow checkout for some customers”.`,
    );
    expect(h.bot.app.incidents.get(incident.id)!.publicTitle).toBe('Slow checkout for some customers');
    expect(h.bot.app.incidents.get(incident.id)!.title).toBe('db-7 disk full, @U0BOB0001 paging');
    const timeline = h.bot.app.db
      .prepare("SELECT actor, body FROM timeline_events WHERE incident_id = ? AND kind = 'public_name_set'")
      .all(incident.id);
    expect(timeline).toEqual([{ actor: ALICE.id, body: 'Slow checkout for some customers' }]);

    await h.bot.command('update investigating Looking into it --public', { channel, user: BOB.id });
    const outputs = await publicOutputs(h, incident.id);
    for (const [where, text] of Object.entries(outputs)) {
      if (where === 'mirror') continue; // the first test's incident is mirrored there too
      expect(text, where).toContain('Slow checkout for some customers');
      expect(text, where).not.toContain('db-7');
    }
    expect(outputs.mirror).toContain('"name":"Slow checkout for some customers"');

    const shown = await h.bot.command('public-name', { channel, user: CAROL.id });
    expect((shown.body as { text: string }).text).toBe(
      `The status page calls incident #${incident.id} “Slow checkout for some customers”. Set it with \`/incident public-name &lt;name&gt;\`.`,
    );
  });
});
