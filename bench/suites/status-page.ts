/**
 * The public status page under load, with 1,000 past incidents in the database: requests per second
 * for /api/v2/summary.json and /status, against the floor: a bare node:http server answering the
 * very same bytes from memory.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { load, loadFigure } from '../lib/load.ts';
import type { Figure, Suite } from '../lib/stats.ts';

async function bytesFloor(body: Buffer, type: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, stop: () => new Promise((r) => server.close(() => r())) };
}

export const statusPage: Suite = {
  name: 'status-page',
  async run({ quick }) {
    const seconds = quick ? 2 : 10;
    const bot = await benchBot();
    const figures: Figure[] = [];
    try {
      const svc = bot.app.incidents;
      const alice = BENCH_USERS[0]!.id;
      for (let i = 0; i < 1_000; i++) {
        const incident = svc.declare({ title: `Past incident ${i}`, severity: 'sev3', declaredBy: alice, source: 'slack' });
        svc.postUpdate(incident.id, 'investigating', `We are looking into ${i}.`, alice, { public: true });
        if (i < 990) svc.resolve(incident.id, alice, `Fixed ${i}.`);
      }
      await bot.app.worker.stop(0); // the page is what is measured, not the effects of seeding it
      for (const [path, target] of [['/api/v2/summary.json', '≥ 50 % of floor'], ['/status', '—']] as const) {
        const res = await fetch(`${bot.app.url}${path}`);
        const body = Buffer.from(await res.arrayBuffer());
        const floor = await bytesFloor(body, res.headers.get('content-type') ?? 'text/plain');
        try {
          const ours = await load({ url: `${bot.app.url}${path}`, seconds });
          const base = await load({ url: floor.url, seconds });
          figures.push({ ...loadFigure('status-page', `GET ${path}, 1,000 past incidents, ${(body.length / 1024).toFixed(0)} kB`, ours, target, { name: 'bare node:http, same bytes', r: base }), note: `${((ours.rps / base.rps) * 100).toFixed(0)} % of the floor's req/s` });
        } finally {
          await floor.stop();
        }
      }
    } finally {
      await bot.stop();
    }
    return figures;
  },
};
