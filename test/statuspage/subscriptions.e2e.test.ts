import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOB, declared, eventually, settled, startTestBot, useBot } from '../helpers/test-bot.ts';

const SECRET = 'whsec-test-0123456789';

/** An operator's endpoint: records what arrives; answers the statuses queued, then 200. */
class Receiver {
  readonly got: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
  readonly answers: number[] = [];
  url = '';
  private server?: Server;
  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const answered = this.answers.shift() ?? 200;
        this.got.push({ headers: req.headers, body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/status?token=abc`;
  }
  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const settings = () => `status_page:
  name: Acme Status
  webhooks:
    - { url: '${receiver.url}', secret_env: STATUS_HOOK_SECRET }
components:
  - { id: api, name: API }
  - { id: web, name: Website }
comms:
  rotation: [${BOB.id}]
`;

/** What the receiver does: recompute the signature over `<timestamp>.<body>` with the shared secret. */
function verified(d: { headers: IncomingHttpHeaders; body: string }): boolean {
  const ts = String(d.headers['x-incident-bot-timestamp']);
  const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${d.body}`).digest('hex')}`;
  return d.headers['x-incident-bot-signature'] === want;
}

describe('status subscriptions', () => {
  const h = useBot({
    get settings() {
      return settings();
    },
    processEnv: { STATUS_HOOK_SECRET: SECRET },
    env: { PUBLIC_URL: 'https://status.acme.test' },
  } as Parameters<typeof useBot>[0]);

  it('posts a signed webhook for each public change, retried until delivered, never for internal ones', async () => {
    const { incident, channel } = await declared(h, 'Checkout errors sev1');
    await h.bot.command('update investigating INTERNAL guess only', { channel, user: BOB.id });
    await settled(h.bot.app);
    expect(receiver.got).toEqual([]);

    receiver.answers.push(503);
    await h.bot.command('update identified Card payments fail. --public --components api:major', {
      channel,
      user: BOB.id,
    });
    const delivered = () => receiver.got.filter((d) => d.answered === 200);
    await eventually(() => delivered().length === 2);
    await settled(h.bot.app);
    expect(receiver.got.every(verified)).toBe(true);
    // The refused attempt was sent again, the same delivery (same id), until it went through.
    const [refused, ...rest] = receiver.got;
    expect(refused!.answered).toBe(503);
    expect(rest.map((d) => d.headers['x-incident-bot-delivery'])).toContain(
      refused!.headers['x-incident-bot-delivery'],
    );

    const byEvent = new Map(delivered().map((d) => [d.headers['x-incident-bot-event'], JSON.parse(d.body)]));
    expect([...byEvent.keys()].sort()).toEqual(['component.updated', 'incident.updated']);
    const inc = byEvent.get('incident.updated');
    expect(inc.meta).toEqual({ generated_at: expect.any(String) });
    expect(inc.page).toEqual({
      id: 'incident-bot',
      status_indicator: 'critical',
      status_description: 'Major Service Outage',
    });
    expect(inc.incident).toMatchObject({
      id: String(incident.id),
      name: 'Checkout errors',
      status: 'identified',
      shortlink: `https://status.acme.test/status/incidents/${incident.id}`,
    });
    expect(inc.incident.incident_updates.map((u: { body: string }) => u.body)).toEqual(['Card payments fail.']);
    const comp = byEvent.get('component.updated');
    expect(comp.component_update).toEqual({
      id: expect.stringMatching(/^cu\d+$/),
      component_id: 'api',
      old_status: 'operational',
      new_status: 'major_outage',
      created_at: expect.any(String),
    });
    expect(comp.component).toMatchObject({ id: 'api', name: 'API', status: 'major_outage' });
    for (const d of receiver.got) expect(d.body).not.toMatch(/INTERNAL|U0BOB0001|U0ALICE01/);
  });

  it('serves an Atom feed per component with only what touched it', async () => {
    const { channel } = await declared(h, 'API latency sev3');
    await h.bot.command('update identified Slow <API> answers. --public --components api:degraded', {
      channel,
      user: BOB.id,
    });
    const feed = async (path: string) => {
      const res = await fetch(`${h.bot.app.url}${path}`);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const api = await feed('/status/components/api/history.atom');
    expect(api.status).toBe(200);
    expect(api.type).toBe('application/atom+xml; charset=utf-8');
    expect(XMLValidator.validate(api.text)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(api.text).feed;
    expect(parsed.title).toBe('Acme Status — API status history');
    expect(parsed.id).toBe('https://status.acme.test/status/components/api/history.atom');
    expect([parsed.entry].flat().map((e: { title: string }) => e.title)).toEqual(['API latency — Identified']);
    const web = await feed('/status/components/web/history.atom');
    expect(new XMLParser().parse(web.text).feed.entry).toBeUndefined();
    expect((await feed('/status/components/nosuch/history.atom')).status).toBe(404);
    expect((await feed('/status/components/..%2F..%2Fetc/history.atom')).status).toBe(404);
    const page = await (await fetch(`${h.bot.app.url}/status`)).text();
    expect(page).toContain('<a href="/status/components/api/history.atom">Subscribe to API (Atom)</a>');
  });

  it('refuses to start when a webhook’s secret is not set, naming the variable', async () => {
    await expect(
      startTestBot(h.slack, `${h.dbPath}-2`, { env: { CONFIG_PATH: h.bot.config.configPath }, processEnv: {} }),
    ).rejects.toThrow(
      'status_page.webhooks[0].secret_env names STATUS_HOOK_SECRET, which is not set: set it to the secret the endpoint checks signatures with.',
    );
  });
});
