import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, sendJson } from '../../src/http/server.ts';
import { createLogger } from '../../src/lib/logger.ts';

describe('JSON answers', () => {
  const server = createHttpServer(
    [
      {
        method: 'POST',
        path: '/echo',
        handle: (_req, res) => sendJson(res, 202, { status: 'accepted', note: 'héllo' }),
      },
    ],
    createLogger('silent'),
  );
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('say their length in bytes up front instead of using chunked framing', async () => {
    const got = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({ status: 'accepted', note: 'héllo' });
    expect(got.headers['content-length']).toBe(String(got.body.length));
    expect(got.headers['transfer-encoding']).toBeUndefined();
  });
});
