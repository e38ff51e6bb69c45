import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';

/** A request with the Host header a browser would send for that name (fetch does not let us set it). */
function send(
  port: number,
  method: string,
  path: string,
  host: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (body)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The sandbox signs as anyone. A page on another site can make a browser resolve its own name to
 * 127.0.0.1 (DNS rebinding) and then read the sandbox as same-origin: only the Host header, which
 * still names the attacker's site, tells such requests apart.
 */
describe('the sandbox answers only requests addressed to this machine', () => {
  let sandbox: RunningSandbox;
  let port: number;
  beforeAll(async () => {
    sandbox = await startSandbox({ PORT: '0', LOG_LEVEL: 'silent' }, createLogger('silent'));
    port = sandbox.app.port;
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  const READS = [
    '/sandbox',
    '/sandbox/sandbox.js',
    '/sandbox/mrkdwn.js',
    '/sandbox/sandbox.css',
    '/sandbox/api/state?user=U0ALICE01',
    '/sandbox/github/pull/1',
    '/sandbox/github/issues/1',
  ];

  it('refuses every sandbox page and API read with a foreign Host (403), saying why', async () => {
    for (const path of READS) {
      const res = await send(port, 'GET', path, `rebind.attacker.example:${port}`);
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.text), path).toMatchObject({ error: 'forbidden' });
    }
    const noPort = await send(port, 'GET', '/sandbox/api/state?user=U0ALICE01', 'rebind.attacker.example');
    expect(noPort.status).toBe(403);
  });

  it('refuses the console actions with a foreign Host, and acts on none of them', async () => {
    const body = JSON.stringify({ user: 'U0ALICE01', channel: 'C0GENERAL', text: 'declare Rebound' });
    const res = await send(port, 'POST', '/sandbox/api/command', `rebind.attacker.example:${port}`, body);
    expect(res.status).toBe(403);
    expect(sandbox.app.db.prepare("SELECT count(*) FROM incidents WHERE title = 'Rebound'").pluck().get()).toBe(0);
  });

  it('refuses names that merely start or end like a loopback name', async () => {
    for (const host of [
      `localhost.attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `evil-localhost:${port}`,
      `[::1].example:${port}`,
    ]) {
      expect((await send(port, 'GET', '/sandbox', host)).status, host).toBe(403);
    }
  });

  it('answers localhost, 127.0.0.1 and [::1], with or without the port', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      expect((await send(port, 'GET', '/sandbox', host)).status, host).toBe(200);
    }
    expect((await send(port, 'GET', '/sandbox/api/state?user=U0ALICE01', `localhost:${port}`)).status).toBe(200);
  });
});
