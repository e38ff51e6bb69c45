/**
 * `/incident stats` and `/incident list` as the database grows (issue 21: stats must answer within
 * Slack's 3 s): the real bot, its database seeded with 1,000, then 10,000, then (full run) 100,000
 * incidents over the last 90 days (each with a page, roles, acknowledgement, mitigation and
 * resolution on its timeline) and 10 open ones, the command signed as Slack signs it. `stats 90d`
 * reads every incident of the period twice (the period and the one before); the JSON export the
 * same; `list` should not care how many incidents are closed.
 */
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { seedResolved } from '../lib/seed-incidents.ts';
import { slashCommand } from '../lib/slack-command.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const MIN = 60_000;
const TOKEN = 'bench-insights-token-0123456789abcdef';
const OPEN = 10;

export const insights: Suite = {
  name: 'insights',
  async run({ quick }) {
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    const bot = await benchBot({ INSIGHTS_TOKEN: TOKEN });
    const figures: Figure[] = [];
    try {
      const repo = new IncidentRepository(bot.app.db);
      const now = Date.now();
      for (let i = 0; i < OPEN; i++)
        repo.insert({
          title: `open ${i}`,
          description: null,
          severity: 'sev2',
          source: 'pagerduty',
          externalId: `OPEN${i}`,
          declaredBy: 'pagerduty',
          declaredAt: now - i * MIN,
          serviceName: 'checkout',
        });
      let stored = OPEN;
      for (const size of sizes) {
        seedResolved(repo, now, stored - OPEN, size);
        stored = size + OPEN;
        // Seeding held the event loop for seconds: let the server close the keep-alive sockets that
        // expired meanwhile, or the next request races their close (ECONNRESET).
        await new Promise((r) => setTimeout(r, 200));
        const runs = quick ? 5 : size >= 100_000 ? 3 : 20;
        const n = size.toLocaleString('en');
        const opts = { user: BENCH_USERS[0]!.id, channel: 'C0BENCH' };
        const commands: [string, string, string][] = [
          ['stats 90d', 'Time to acknowledge', '< 3000 ms'],
          ['stats 30d sev1 checkout', 'Time to acknowledge', '< 3000 ms'],
          ['list', `${OPEN} open incidents`, '—'],
        ];
        for (const [text, expected, target] of commands) {
          await slashCommand(bot.app.url, text, opts); // warm-up
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const r = await slashCommand(bot.app.url, text, opts);
            if (r.status !== 200 || !r.text.includes(expected)) throw new Error(`${text} failed: ${r.text}`);
            times.push(r.ms);
          }
          figures.push({
            ...summarise('insights', `/incident ${text}, ${n} incidents stored`, 'ms', times, target),
            scale: { series: `/incident ${text}`, size, of: 'stored incidents' },
          });
        }
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          const res = await fetch(`${bot.app.url}/insights.json?period=90d`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          if (res.status !== 200) throw new Error(`/insights.json answered ${res.status}`);
          await res.text();
          times.push(performance.now() - t0);
        }
        figures.push({
          ...summarise('insights', `GET /insights.json 90d, ${n} incidents`, 'ms', times),
          scale: { series: 'GET /insights.json 90d', size, of: 'stored incidents' },
        });
      }
    } finally {
      await bot.stop();
    }
    return figures;
  },
};
