import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declared, settled, useBot, type Harness } from '../helpers/test-bot.ts';
import { FIXTURES, finished, runIdOf, runs } from './helpers.ts';

const TOKEN = 'tok-9f8e7d6c5b4a3210-zyxwvu';
const processEnv: Record<string, string> = { SPLIT_TOKEN: TOKEN };
const replyText = (r: { body: unknown }) => (r.body as { text: string }).text;

/** The far side: records what reached it; /split sends the token in two writes, a moment apart. */
const seen: { method: string; url: string; body: string }[] = [];
let server: Server;
let port = 0;
const readAll = async (req: IncomingMessage) => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readAll(req);
    seen.push({ method: req.method!, url: req.url!, body });
    if (req.url === '/split') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`token: ${TOKEN.slice(0, 12)}`);
      setTimeout(() => res.end(`${TOKEN.slice(12)} (end)\n`), 150);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body || '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  processEnv.HARDENING_BASE = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const run = (h: Harness, channel: string, text: string) => h.bot.command(`runbook run ${text}`, { channel });

describe('runbooks against their own operators\u2019 mistakes', () => {
  const h = useBot({ settings: `runbooks:\n  dir: ${FIXTURES}/hardening\n`, processEnv, logs: true, scope: 'all' });

  it('masks a secret split across two chunks, in the database, the Slack thread and the logs', async () => {
    const { channel } = await declared(h, 'Chunked output sev3');
    const done = await finished(h, runIdOf(await run(h, channel, 'split')));
    expect(done.status).toBe('succeeded');
    const outputs = runs(h)
      .steps(done.id)
      .map((s) => s.output);
    expect(outputs).toEqual(['HTTP 200 OK\ntoken: ‹SPLIT_TOKEN› (end)\n', 'token: ‹SPLIT_TOKEN› (end)\n']);
    await settled(h.bot.app);
    const everywhere = {
      database: JSON.stringify(
        ['runbook_steps', 'timeline_events'].map((t) => h.bot.app.db.prepare(`SELECT * FROM ${t}`).all()),
      ),
      slack: JSON.stringify(h.slack.calls),
      logs: h.logs.join(''),
    };
    expect(everywhere.slack).toContain('‹SPLIT_TOKEN›');
    expect(h.logs.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(everywhere)) {
      // Not the token, and not the half that arrived first either: nothing is let out before it is known.
      expect({ where, token: text.includes(TOKEN), half: text.includes(TOKEN.slice(0, 12)) }).toEqual({
        where,
        token: false,
        half: false,
      });
    }
  });

  it('refuses a value that would walk up the URL path, and calls nothing', async () => {
    const { channel } = await declared(h, 'Path walk sev3');
    const before = seen.length;
    for (const owner of ['..', '.'])
      expect(replyText(await run(h, channel, `paths owner=${owner}`))).toMatch(
        /A URL path segment may not be `\.` or `\.\.`/,
      );
    expect(seen.length).toBe(before);
    const done = await finished(h, runIdOf(await run(h, channel, 'paths owner=a/../../admin ref=x&admin=1')));
    expect(done.status).toBe('succeeded');
    expect(seen.at(-1)!.url).toBe('/repos/a%2F..%2F..%2Fadmin/deployments?ref=x%26admin%3D1');
  });

  it('sends a body value that looks like JSON as one string: it adds no key', async () => {
    const { channel } = await declared(h, 'Body injection sev3');
    const done = await finished(h, runIdOf(await run(h, channel, `post name='x","force":true,"y":"'`)));
    expect(done.status).toBe('succeeded');
    const [data, text] = seen.slice(-2).map((s) => JSON.parse(s.body) as Record<string, unknown>);
    expect(data).toEqual({
      name: 'x","force":true,"y":"',
      count: 2,
      about: `incident ${h.bot.app.incidents.byChannel(channel)!.id}: Body injection`,
    });
    expect(text).toEqual({ name: 'x","force":true,"y":"', tags: ['x","force":true,"y":"'] });
  });

  it('refuses loopback, link-local and private addresses for a runbook that does not allow them', async () => {
    const { channel } = await declared(h, 'Private probe sev3');
    const before = seen.length;
    const urls = [
      `http://127.0.0.1:${port}/`,
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://[::]:${port}/`,
      'http://192.168.1.1/',
      'http://172.16.0.1/',
      `http://2130706433:${port}/`,
    ];
    for (const url of urls) {
      expect({ url, reply: replyText(await run(h, channel, `open-probe url=${url}`)) }).toEqual({
        url,
        reply: expect.stringMatching(
          / is .*: this runbook may not call it\. A runbook that must reach internal addresses says `allow_private: true`\.$/,
        ),
      });
    }
    // A name is resolved and every address it has is checked before connecting.
    const byName = await finished(h, runIdOf(await run(h, channel, `open-probe url=http://localhost:${port}/`)));
    expect(byName.status).toBe('failed');
    expect(runs(h).steps(byName.id)[0]!.output).toMatch(
      /^\[refused: localhost \((127\.0\.0\.1|::1)\) is loopback: this runbook may not call it\./,
    );
    expect(seen.length).toBe(before);
  });
});

describe('values from the incident', () => {
  const h = useBot({ settings: `runbooks:\n  dir: ${FIXTURES}\n` });

  it('refuses an incident title that a program would read as an option, and runs nothing', async () => {
    const { channel } = await declared(h, '--version sev3');
    const reply = replyText(await run(h, channel, 'argv value=x'));
    expect(reply).toBe(
      'The incident\'s title (this runbook uses `{{incident.title}}`) may not start with "-" (a program could read it as an option).',
    );
    expect(h.bot.app.db.prepare('SELECT count(*) FROM runbook_runs').pluck().get()).toBe(0);
  });
});
