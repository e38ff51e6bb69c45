import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `status_page:
  name: Acme Status
components:
  - { id: api, name: API, description: Public REST API, group: Core, statuspage_id: sp-api }
  - { id: web, name: Website, group: Core }
  - { id: checkout, name: Checkout, statuspage_id: sp-checkout }
comms:
  rotation: [${BOB.id}]
`;
const get = async (h: Harness, path: string) => {
  const res = await fetch(`${h.bot.app.url}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
};
const json = async (h: Harness, path: string) => JSON.parse((await get(h, path)).text);
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('the public status page and its API', () => {
  const sp = new FakeStatuspage();
  const h = useBot({
    settings: SETTINGS,
    env: { PUBLIC_URL: 'https://status.acme.test' },
  });

  it('starts operational with every configured component', async () => {
    const summary = await json(h, '/api/v2/summary.json');
    expect(summary).toEqual({
      page: {
        id: 'incident-bot',
        name: 'Acme Status',
        url: 'https://status.acme.test/status',
        time_zone: 'UTC',
        updated_at: ISO,
      },
      components: [
        expect.objectContaining({ id: 'grp.core', group: true, components: ['api', 'web'] }),
        {
          id: 'api',
          name: 'API',
          status: 'operational',
          created_at: ISO,
          updated_at: ISO,
          position: 2,
          description: 'Public REST API',
          showcase: true,
          start_date: null,
          group_id: 'grp.core',
          page_id: 'incident-bot',
          group: false,
          only_show_if_degraded: false,
        },
        expect.objectContaining({ id: 'web', name: 'Website', status: 'operational', position: 3, description: null }),
        expect.objectContaining({ id: 'checkout', name: 'Checkout', status: 'operational', position: 4 }),
      ],
      incidents: [],
      scheduled_maintenances: [],
      status: { indicator: 'none', description: 'All Systems Operational' },
    });
    expect(await json(h, '/api/v2/status.json')).toEqual({ page: summary.page, status: summary.status });
  });

  it('shows a published incident field by field, and never an internal update', async () => {
    const { incident, channel } = await declared(h, 'Checkout errors sev1', ALICE.id);
    await h.bot.command('update investigating INTERNAL: suspect db-7, paging DBA <@U0CAROL01>', {
      channel,
      user: BOB.id,
    });
    const pub = await h.bot.command(
      'update identified A bad deploy broke card payments; rolling back. --public --components checkout:major,api:degraded',
      { channel, user: BOB.id },
    );
    expect((pub.body as { text: string }).text).toBe(
      `Published a *identified* update for incident #${incident.id}: it is on the status page now.`,
    );

    const summary = await json(h, '/api/v2/summary.json');
    expect(summary.status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect(summary.components.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['grp.core', 'degraded_performance'],
      ['api', 'degraded_performance'],
      ['web', 'operational'],
      ['checkout', 'major_outage'],
    ]);
    expect(summary.incidents).toHaveLength(1);
    const i = summary.incidents[0];
    expect(i).toEqual({
      id: String(incident.id),
      name: 'Checkout errors',
      status: 'identified',
      created_at: ISO,
      updated_at: ISO,
      monitoring_at: null,
      resolved_at: null,
      impact: 'critical',
      shortlink: `https://status.acme.test/status/incidents/${incident.id}`,
      started_at: ISO,
      page_id: 'incident-bot',
      incident_updates: [
        {
          id: expect.any(String),
          status: 'identified',
          body: 'A bad deploy broke card payments; rolling back.',
          incident_id: String(incident.id),
          created_at: ISO,
          updated_at: ISO,
          display_at: ISO,
          affected_components: [
            { code: 'checkout', name: 'Checkout', old_status: 'operational', new_status: 'major_outage' },
            { code: 'api', name: 'API', old_status: 'operational', new_status: 'degraded_performance' },
          ],
          deliver_notifications: true,
          custom_tweet: null,
          tweet_id: null,
        },
      ],
      components: [
        expect.objectContaining({ id: 'checkout', group_id: null }),
        expect.objectContaining({ id: 'api', group_id: 'grp.core' }),
      ],
    });
    expect(await json(h, '/api/v2/incidents/unresolved.json')).toEqual({ page: expect.any(Object), incidents: [i] });
    expect((await json(h, '/api/v2/incidents.json')).incidents).toEqual([i]);
    expect((await json(h, '/api/v2/components.json')).components).toEqual(summary.components);

    // Nothing internal anywhere public: not the internal update, not a Slack id, not the comms lead.
    for (const path of [
      '/status',
      `/status/incidents/${incident.id}`,
      '/status/history.atom',
      '/api/v2/summary.json',
      '/api/v2/incidents.json',
      '/api/v2/incidents/unresolved.json',
    ]) {
      const { text } = await get(h, path);
      expect(text, path).not.toMatch(/INTERNAL|db-7|U0CAROL01|U0BOB0001|U0ALICE01|C0\d/);
    }
  });

  it('shapes component groups as Statuspage does: a group component listing its children', async () => {
    const { channel } = await declared(h, 'Website slow sev3');
    await h.bot.command('update identified CDN misses --public --components web:partial', { channel, user: BOB.id });
    const { components } = await json(h, '/api/v2/components.json');
    const group = components.find((c: { id: string }) => c.id === 'grp.core');
    // Every field a Statuspage group component carries, and nothing else.
    expect(group).toEqual({
      id: 'grp.core',
      name: 'Core',
      status: 'partial_outage',
      created_at: ISO,
      updated_at: ISO,
      position: 1,
      description: null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: 'incident-bot',
      group: true,
      only_show_if_degraded: false,
      components: ['api', 'web'],
    });
    // Children point at the group; an ungrouped component has no group and no `components`.
    const byId = new Map(components.map((c: { id: string }) => [c.id, c]));
    expect(byId.get('web')).toMatchObject({ group_id: 'grp.core', group: false, status: 'partial_outage' });
    expect(byId.get('api')).toMatchObject({ group_id: 'grp.core', group: false });
    expect(byId.get('checkout')).toMatchObject({ group_id: null, group: false });
    for (const c of components.filter((c: { group: boolean }) => !c.group)) expect(c).not.toHaveProperty('components');
    // The group's worst child shows on the HTML page too, next to the group's name.
    const page = (await get(h, '/status')).text;
    expect(page).toMatch(
      /<h3 class="group"><span class="gname">Core<\/span> <span class="cstatus cstatus-partial_outage">Partial outage<\/span><\/h3>/,
    );
    await h.bot.command('resolve CDN warmed', { channel, user: BOB.id });
  });

  it('lets only public updates move a component customers see', async () => {
    const { channel } = await declared(h, 'Search degraded sev3');
    await h.bot.command('update investigating Looking --public --components api:degraded', { channel, user: BOB.id });
    await h.bot.command('update identified internal guess --components api:major', { channel, user: BOB.id });
    const api = (await json(h, '/api/v2/components.json')).components.find((c: { id: string }) => c.id === 'api');
    expect(api.status).toBe('degraded_performance');
  });

  it('keeps an incident with only internal updates off every public output', async () => {
    const { incident, channel } = await declared(h, 'Secret project outage sev2');
    await h.bot.command('update identified internal detail only', { channel });
    expect((await get(h, `/status/incidents/${incident.id}`)).status).toBe(404);
    for (const path of ['/status', '/status/history.atom', '/api/v2/summary.json', '/api/v2/incidents.json']) {
      expect((await get(h, path)).text, path).not.toContain('Secret project');
    }
  });

  it('resolving a published incident tells customers and brings its components back', async () => {
    const { incident, channel } = await declared(h, 'API slow sev2');
    await h.bot.command('update investigating Some requests are slow. --public --components api:partial', {
      channel,
      user: BOB.id,
    });
    expect((await json(h, '/api/v2/status.json')).status.indicator).toBe('major');
    await h.bot.command('resolve Fixed a hot shard', { channel, user: ALICE.id });
    const summary = await json(h, '/api/v2/summary.json');
    expect(summary.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(summary.incidents).toEqual([]);
    const [resolved] = (await json(h, '/api/v2/incidents.json')).incidents;
    expect(resolved).toMatchObject({ id: String(incident.id), status: 'resolved', resolved_at: ISO });
    expect(resolved.incident_updates.map((u: { status: string; body: string }) => [u.status, u.body])).toEqual([
      ['resolved', 'Fixed a hot shard'],
      ['investigating', 'Some requests are slow.'],
    ]);
    expect(resolved.incident_updates[0].affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'partial_outage', new_status: 'operational' },
    ]);
  });

  it('only the commander or comms lead may publish, and a wrong update is corrected, never rewritten', async () => {
    const { incident, channel } = await declared(h, 'Login failing sev2', ALICE.id);
    const refused = await h.bot.command('update identified Oops --public', { channel, user: CAROL.id });
    expect((refused.body as { text: string }).text).toBe(
      `Only the commander or the comms lead may publish status page updates for incident #${incident.id}.`,
    );
    await h.bot.command('update identified Cause is the EU region --public', { channel, user: ALICE.id });
    await h.bot.command('update identified Correction: the cause is the US region, not EU. --public', {
      channel,
      user: ALICE.id,
    });
    const [i] = (await json(h, '/api/v2/incidents/unresolved.json')).incidents.filter(
      (x: { id: string }) => x.id === String(incident.id),
    );
    expect(i.incident_updates.map((u: { body: string }) => u.body)).toEqual([
      'Correction: the cause is the US region, not EU.',
      'Cause is the EU region',
    ]);
  });

  it('sends CORS, caching and a strict Content-Security-Policy', async () => {
    const api = await get(h, '/api/v2/summary.json');
    expect(api.headers.get('access-control-allow-origin')).toBe('*');
    expect(api.headers.get('cache-control')).toBe('public, max-age=30');
    const page = await get(h, '/status');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get(h, '/status/incidents/abc')).status).toBe(404);
    expect((await get(h, '/status/incidents/99999')).status).toBe(404);
  });

  it('answers a CORS preflight for the API, and only for the API', async () => {
    for (const path of ['/api/v2/summary.json', '/api/v2/components.json', '/status/history.atom']) {
      const res = await fetch(`${h.bot.app.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://widget.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'content-type, x-requested-with',
        },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-allow-methods'), path).toBe('GET, HEAD, OPTIONS');
      expect(res.headers.get('access-control-allow-headers'), path).toBe('Content-Type, X-Requested-With');
      expect(res.headers.get('access-control-max-age'), path).toBe('86400');
      expect(await res.text(), path).toBe('');
    }
    // Nothing is writable from a browser: a POST is still refused, and pages keep no CORS.
    expect((await fetch(`${h.bot.app.url}/api/v2/summary.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${h.bot.app.url}/status`, { method: 'OPTIONS' })).status).toBe(405);
  });

  it('has a favicon and Open Graph tags, all served from here', async () => {
    const icon = await get(h, '/status/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const page = (await get(h, '/status')).text;
    expect(page).toContain('<link rel="icon" type="image/svg+xml" href="/status/favicon.svg">');
    expect(page).toContain('<meta property="og:type" content="website">');
    expect(page).toContain('<meta property="og:site_name" content="Acme Status">');
    expect(page).toContain('<meta property="og:title" content="Current status · Acme Status">');
    expect(page).toContain('<meta property="og:url" content="https://status.acme.test/status">');
    expect(page).toMatch(/<meta property="og:description" content="[^"]+">/);
    // Every src/href on the page points here: nothing is loaded from elsewhere.
    const refs = [...page.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith('/'))).toEqual([]);
  });

  it('gives an incident page Open Graph tags naming the incident, escaped', async () => {
    const { incident, channel } = await declared(h, 'Card "payments" <fail> sev2');
    await h.bot.command('update identified Declines at the gateway. --public', { channel, user: BOB.id });
    const page = (await get(h, `/status/incidents/${incident.id}`)).text;
    expect(page).toContain('<meta property="og:type" content="article">');
    expect(page).toContain('<meta property="og:title" content="Card &quot;payments&quot; &lt;fail&gt; · Acme Status">');
    expect(page).toContain(
      `<meta property="og:url" content="https://status.acme.test/status/incidents/${incident.id}">`,
    );
    expect(page).toContain('<meta property="og:description" content="Identified — Declines at the gateway.">');
  });

  it('escapes hostile text in HTML, JSON and the Atom feed, which parses as XML', async () => {
    const { channel } = await declared(h, '<script>alert(1)</script> & "quotes" sev2');
    await h.bot.command('update identified &lt;img src=x onerror=alert(2)&gt; ]]&gt; &amp;amp; --public', {
      channel,
      user: BOB.id,
    });
    const page = (await get(h, '/status')).text;
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(page).not.toContain('<img src=x');
    const feed = (await get(h, '/status/history.atom')).text;
    expect(XMLValidator.validate(feed)).toBe(true);
    // Parsed, the feed gives back exactly the text that was stored: escaped, not mangled.
    const parsed = new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(feed);
    const entries = [parsed.feed.entry].flat();
    expect(parsed.feed.title).toBe('Acme Status — status history');
    expect(entries[0].content['#text']).toBe('<img src=x onerror=alert(2)> ]]> &amp;');
    expect(entries[0].title).toBe('<script>alert(1)</script> & "quotes" — Identified');
    expect(feed).not.toContain('<img');
    const api = await json(h, '/api/v2/incidents.json');
    expect(api.incidents[0].name).toBe('<script>alert(1)</script> & "quotes"');
  });

  describe('mirrored to Atlassian Statuspage', () => {
    const hm = useBot({ settings: SETTINGS, env: {} });
    it('creates the incident there on the first public update and patches it after', async () => {
      await sp.start();
      try {
        await hm.bot.app.stop(0);
        const { startTestBot } = await import('../helpers/test-bot.ts');
        hm.bot = await startTestBot(hm.slack, hm.dbPath, {
          env: {
            CONFIG_PATH: hm.bot.config.configPath,
            STATUSPAGE_API_KEY: sp.apiKey,
            STATUSPAGE_PAGE_ID: sp.pageId,
            STATUSPAGE_API_URL: sp.url,
          },
        });
        const { channel } = await declared(hm, 'Mirror me sev1');
        await hm.bot.command('update investigating internal only, never mirrored', { channel });
        await hm.bot.command('update investigating Looking into it --public --components checkout:partial,web:major', {
          channel,
          user: BOB.id,
        });
        sp.faults.push(503);
        await hm.bot.command('update monitoring Fix deployed --public --components checkout:operational', {
          channel,
          user: BOB.id,
        });
        const writes = () => sp.calls.filter((c) => c.status < 300 && c.method !== 'GET');
        await eventually(() => writes().length === 2, 10_000);
        await settled(hm.bot.app);
        const ok = writes();
        expect(ok[0]).toMatchObject({
          method: 'POST',
          path: `/v1/pages/${sp.pageId}/incidents`,
          body: {
            incident: {
              name: 'Mirror me',
              status: 'investigating',
              body: 'Looking into it',
              impact_override: 'critical',
              components: { 'sp-checkout': 'partial_outage' },
              component_ids: ['sp-checkout'],
            },
          },
        });
        expect(ok[1]).toMatchObject({
          method: 'PATCH',
          path: `/v1/pages/${sp.pageId}/incidents/spinc1`,
          body: {
            incident: { status: 'monitoring', body: 'Fix deployed', components: { 'sp-checkout': 'operational' } },
          },
        });
        expect(sp.calls.filter((c) => c.status === 503)).toHaveLength(1);
        // The retry after the 503 first looked whether the failed attempt had posted after all.
        const seq = sp.calls.map((c) => `${c.method} ${c.status}`);
        expect(seq[seq.findIndex((c) => c.endsWith(' 503')) + 1]).toBe('GET 200');
      } finally {
        await sp.stop();
      }
    });
  });
});
