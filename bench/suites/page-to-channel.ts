/**
 * Page → staffed channel: a signed PagerDuty trigger to the real bot, until the channel is created,
 * responders invited and the summary pinned, against fakes on 127.0.0.1. Also the webhook's own
 * response time. With zero-latency fakes also on PostgreSQL (bench/lib/postgres.ts): `postgres` rows.
 */
import { pagedBenchBot } from '../lib/bot.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

export const pageToChannel: Suite = {
  name: 'page-to-channel',
  async run(opts) {
    return [
      ...(await measure(opts.quick, 0)),
      ...(await measure(opts.quick, 0, await benchDatabaseUrl())),
      ...(await measure(opts.quick, 50)),
    ];
  },
};

/** With `databaseUrl` the bot stores in that PostgreSQL database, else in its SQLite file. */
async function measure(quick: boolean, latencyMs: number, databaseUrl?: string): Promise<Figure[]> {
  const samples = quick ? 30 : latencyMs ? 100 : 200;
  const { pd, bot } = await pagedBenchBot(databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  bot.slack.latencyMs = latencyMs;
  pd.latencyMs = latencyMs;
  const ack: number[] = [];
  const staffed: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const page = pd.createIncident({
        title: `Bench page ${i}`,
        assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }],
      });
      const pinned = bot.slack.waitFor(
        (c) =>
          c.method === 'pins.add' &&
          c.ok &&
          bot.slack.ws.channels.get(String(c.args.channel))?.name.includes(`bench-page-${i}`) === true,
        10_000,
      );
      const t0 = performance.now();
      const res = await pd.trigger(page);
      ack.push(performance.now() - t0);
      if (res.status !== 202) throw new Error(`trigger answered ${res.status}`);
      await pinned;
      staffed.push(performance.now() - t0);
    }
  } finally {
    await bot.stop();
    await pd.stop();
  }
  const engine = databaseUrl ? { engine: 'postgres' as const } : {};
  return [
    { ...summarise('page-to-channel', `webhook → 202 (${latencyMs} ms fakes)`, 'ms', ack), ...engine },
    {
      ...summarise(
        'page-to-channel',
        `page → channel + invites + pinned summary (${latencyMs} ms fakes)`,
        'ms',
        staffed,
        latencyMs ? '—' : 'p50 < 50 ms',
      ),
      ...engine,
    },
  ];
}
