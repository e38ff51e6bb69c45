/**
 * A write command's ack and a page's 202 as the database fills (issue 22's scale curves for the write
 * paths): the real bot, its database seeded with 1,000, then 10,000, then (full run, SQLite) 100,000
 * resolved incidents with their timelines, and for those of the last 30 days part of what the bot
 * keeps of their deliveries (outbox rows delivered, webhooks seen: the retention's default). Each request is
 * sent alone once the bot has delivered what the one before caused, so the curve is the storage's,
 * not a queue's. On PostgreSQL (`postgres` rows) at 1,000 and 10,000, in the full run only: seeding
 * goes through the bot's repositories, most statements a round trip, and took 2.5 min for 10,000 here
 * (100,000 would take 25; CI's quick run has the SQLite curve at 1,000 and 10,000).
 */
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { BENCH_USERS, pagedBenchBot } from '../lib/bot.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import { seedDeliveryHistory, seedResolved } from '../lib/seed-incidents.ts';
import { slashCommand } from '../lib/slack-command.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const SETTLE_MS = 60_000;

export const storedScale: Suite = {
  name: 'stored-scale',
  async run({ quick }) {
    return [
      ...(await measure(quick ? [1_000, 10_000] : [1_000, 10_000, 100_000], quick)),
      ...(quick ? [] : await measure([1_000, 10_000], quick, await benchDatabaseUrl())),
    ];
  },
};

async function measure(sizes: number[], quick: boolean, databaseUrl?: string): Promise<Figure[]> {
  const engine = databaseUrl ? { engine: 'postgres' as const } : {};
  const { pd, bot } = await pagedBenchBot(databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  const user = BENCH_USERS[0]!.id;
  // Rows due now: a resolved incident's archive, say, waits for days by design.
  const outbox = new OutboxRepository(bot.app.db);
  const settled = async (what: string) => {
    const until = performance.now() + SETTLE_MS;
    while (outbox.dueDepth(Date.now()) > 0) {
      if (performance.now() > until) throw new Error(`deliveries still pending ${SETTLE_MS} ms after ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const figures: Figure[] = [];
  try {
    const declared = await slashCommand(bot.app.url, 'declare Stored scale sev3', { user, channel: 'C0GENERAL' });
    if (declared.status !== 200) throw new Error(`declare answered ${declared.status}: ${declared.text}`);
    await settled('the declaration');
    const channel = bot.app.incidents.listOpen()[0]?.channelId;
    if (!channel) throw new Error('the declared incident has no channel once its deliveries are done');
    const repo = new IncidentRepository(bot.app.db);
    const now = Date.now();
    let stored = 0;
    let pages = 0;
    let withHistory = 0;
    const update = async () => {
      const r = await slashCommand(bot.app.url, 'update investigating stored scale', { user, channel });
      if (r.status !== 200 || !r.text.includes('Posted a')) throw new Error(`update answered ${r.status}: ${r.text}`);
      await settled('an update');
      return r.ms;
    };
    const page = async () => {
      const i = pages++;
      const incident = pd.createIncident({
        title: `Scale page ${i}`,
        assignees: [{ id: `PBENCH${i % 4}`, name: 'u' }],
      });
      const t0 = performance.now();
      const res = await pd.trigger(incident);
      const ms = performance.now() - t0;
      if (res.status !== 202) throw new Error(`trigger answered ${res.status}`);
      await settled('a page');
      return ms;
    };
    const series = [
      { name: '/incident update: ack', send: update, runs: quick ? 20 : 60 },
      { name: 'PagerDuty trigger: 202', send: page, runs: quick ? 10 : 30 },
    ];
    // Before the first size: measured after ten requests, its figures were up to a third slower than
    // the next size's (the bot's first requests: its code not yet compiled, its caches cold).
    for (const s of series) for (let i = 0; i < 30; i++) await s.send();
    for (const size of sizes) {
      const seeded = seedResolved(repo, now, stored, size);
      withHistory += seedDeliveryHistory(repo, now, seeded);
      stored = size;
      // As autovacuum would in time: without statistics PostgreSQL plans for the empty tables it had.
      if (databaseUrl) bot.app.db.exec('ANALYZE');
      // Seeding held the event loop for seconds: let the keep-alive sockets that expired meanwhile close.
      await new Promise((r) => setTimeout(r, 200));
      const n = size.toLocaleString('en');
      for (const s of series) {
        for (let i = 0; i < 5; i++) await s.send();
        const times: number[] = [];
        for (let i = 0; i < s.runs; i++) times.push(await s.send());
        figures.push({
          ...summarise(
            'stored-scale',
            `${s.name}, ${n} incidents stored (${withHistory.toLocaleString('en')} of them with 30 days' deliveries)`,
            'ms',
            times,
          ),
          scale: { series: s.name, size, of: 'stored incidents' },
          ...engine,
        });
      }
    }
  } finally {
    await bot.stop();
    await pd.stop();
  }
  return figures;
}
