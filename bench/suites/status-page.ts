/**
 * The public status page under load, with 1,000 past incidents in the database: requests per second
 * for /api/v2/summary.json and /status, against the floor: a bare node:http server answering the
 * very same bytes from memory. Each server in its own process; autocannon all-out, 50 connections.
 */
import { childServer } from '../lib/child-server.ts';
import { load, loadFigure } from '../lib/load.ts';
import type { Figure, Suite } from '../lib/stats.ts';

export const statusPage: Suite = {
  name: 'status-page',
  async run({ quick }) {
    const seconds = quick ? 2 : 10;
    // Each server in its own process, so that neither shares an event loop with the client.
    const bot = await childServer<{ url: string }>('status-page.ts', ['bot']);
    const figures: Figure[] = [];
    try {
      for (const [path, target] of [
        ['/api/v2/summary.json', '≥ 50 % of floor'],
        ['/status', '—'],
      ] as const) {
        const floor = await childServer<{ url: string; bytes: number }>('status-page.ts', [
          'floor',
          `${bot.info.url}${path}`,
        ]);
        try {
          await load({ url: `${bot.info.url}${path}`, seconds: 1 }); // warm-up
          await load({ url: floor.info.url, seconds: 1 });
          const ours = await load({ url: `${bot.info.url}${path}`, seconds });
          const base = await load({ url: floor.info.url, seconds });
          figures.push({
            ...loadFigure(
              'status-page',
              `GET ${path}, 1,000 past incidents, ${(floor.info.bytes / 1024).toFixed(0)} kB`,
              ours,
              target,
              { name: 'bare node:http, same bytes', r: base },
            ),
            note: `${((ours.rps / base.rps) * 100).toFixed(0)} % of the floor's req/s`,
          });
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
