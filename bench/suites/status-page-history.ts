/**
 * The status page as its history grows: how long the first request after a public change takes
 * (the page is rendered anew then, and at least once a minute, while the event loop waits) with
 * 1,000, 10,000 and (full run) 100,000 past public incidents stored, each with two public updates
 * naming one of its ten components, spread over 180 days: half of them in the page's 90-day window.
 * The pages show a bounded part of that history (the open incidents, a page of past ones, the feed's
 * 50 latest updates, the uptime bars of up to 1,000 incidents), but some reads walk more of it.
 * The real bot, in this process, its worker stopped: the render is measured, not the effects of the
 * change that invalidates it. Then the same on PostgreSQL (bench/lib/postgres.ts): `postgres` rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorOf } from '../../src/incidents/permissions.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { UpdateRepository } from '../../src/incidents/update-repository.ts';
import type { ComponentStatus } from '../../src/incidents/types.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const MIN = 60_000;
const SPAN = 180 * 24 * 60 * MIN;
/** A page with ten components, each with its 90 days of uptime bars. */
const COMPONENTS = Array.from({ length: 10 }, (_, i) => `component-${i}`);
const SETTINGS = `components:\n${COMPONENTS.map((id) => `  - { id: ${id}, name: Component ${id} }\n`).join('')}`;

/** The pages a reader or a widget fetches, each with a word that only a whole answer contains. */
const PAGES: [path: string, expected: string][] = [
  ['/api/v2/summary.json', '"incidents"'],
  ['/api/v2/incidents.json', '"incidents"'],
  ['/status', '</html>'],
  ['/status/history.atom', '</feed>'],
];

/** Past public incidents numbered `from` to `to` - 1, resolved, spread over the last 180 days. */
function seed(db: IncidentRepository['db'], now: number, from: number, to: number): void {
  const incidents = new IncidentRepository(db);
  const updates = new UpdateRepository(db);
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      const at = now - SPAN + Math.floor((SPAN * (i - from)) / (to - from));
      const id = incidents.insert({
        title: `Past incident ${i}`,
        description: null,
        severity: 'sev3',
        source: 'slack',
        externalId: null,
        declaredBy: BENCH_USERS[0]!.id,
        declaredAt: at,
        serviceName: null,
      });
      const component = COMPONENTS[i % COMPONENTS.length]!;
      const update = (m: number, status: 'investigating' | 'resolved', body: string, affected: ComponentStatus) =>
        updates.addUpdate({
          incidentId: id,
          at: at + m * MIN,
          status,
          body,
          author: BENCH_USERS[0]!.id,
          public: true,
          components: [
            { id: component, old: affected === 'operational' ? 'partial_outage' : 'operational', new: affected },
          ],
        });
      update(1, 'investigating', `We are looking into ${i}.`, 'partial_outage');
      update(40, 'resolved', `Fixed ${i}.`, 'operational');
      incidents.update(id, { status: 'resolved', resolvedAt: at + 40 * MIN, publicAt: at + MIN }, at + 40 * MIN);
    }
  })();
}

export const statusPageHistory: Suite = {
  name: 'status-page-history',
  async run({ quick }) {
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-settings-'));
    try {
      writeFileSync(join(dir, 'settings.yaml'), SETTINGS);
      const env = { CONFIG_PATH: join(dir, 'settings.yaml') };
      return [
        ...(await measure(sizes, quick, env)),
        ...(await measure(sizes, quick, { ...env, DATABASE_URL: await benchDatabaseUrl() })),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The suite on one engine: PostgreSQL when `env` names a database, else SQLite. */
async function measure(sizes: number[], quick: boolean, env: Record<string, string>): Promise<Figure[]> {
  const engine = env.DATABASE_URL ? { engine: 'postgres' as const } : {};
  const bot = await benchBot(env);
  const figures: Figure[] = [];
  try {
    await bot.app.worker.stop(0);
    const svc = bot.app.incidents;
    const alice = actorOf(BENCH_USERS[0]!.id);
    // Each sample publishes an update to the open incident, which changes the page. Each page is measured
    // with an incident of its own, so that none piles up more updates than one page's samples.
    let open: number | undefined;
    const openAnew = () => {
      if (open !== undefined) svc.resolve(open, alice, 'Resolved.');
      open = svc.declare({ title: 'Checkout errors', severity: 'sev2', declaredBy: alice.id, source: 'slack' }).id;
    };
    let changes = 0;
    /** Publishes an update; returns its words, which the next render must show. */
    const change = () => {
      const words = `Still looking (${changes++}).`;
      svc.postUpdate(open!, 'investigating', words, alice, { public: true });
      return words;
    };
    const now = Date.now();
    let stored = 0;
    for (const size of sizes) {
      seed(bot.app.db, now, stored, size);
      stored = size;
      // A database that grew over months has its statistics, which PostgreSQL's autovacuum keeps (after
      // a minute or more): without them it plans for empty tables. The bot never asks SQLite for them.
      if (engine.engine) bot.app.db.exec('ANALYZE');
      // Seeding held the event loop: let the server close the keep-alive sockets that expired meanwhile.
      await new Promise((r) => setTimeout(r, 200));
      const runs = quick || size >= 100_000 ? 10 : 30;
      for (const [path, expected] of PAGES) {
        const get = async (words: string) => {
          const t0 = performance.now();
          const res = await fetch(`${bot.app.url}${path}`);
          const body = await res.text();
          const ms = performance.now() - t0;
          if (res.status !== 200 || !body.includes(expected) || !body.includes(words))
            throw new Error(`${path} answered ${res.status} without the latest update: ${body.slice(0, 200)}`);
          return ms;
        };
        openAnew();
        await get(change()); // warm-up
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push(await get(change()));
        figures.push({
          ...summarise(
            'status-page-history',
            `GET ${path}, the first after a public change, ${size.toLocaleString('en')} past incidents`,
            'ms',
            times,
          ),
          scale: { series: `GET ${path} after a change`, size, of: 'past public incidents' },
          ...engine,
        });
      }
    }
  } finally {
    await bot.stop();
  }
  return figures;
}
