/**
 * Webhook ingest: signed PagerDuty webhooks for many incidents (triggers, redeliveries, acks,
 * resolves) as fast as 64 connections send them, against the floor: a bare node:http server that
 * reads the body, verifies the HMAC and answers 202. Then the drain: until every Slack effect is
 * delivered to a zero-latency fake Slack; checks one staffed channel per incident, none lost.
 * The same for the bot storing in PostgreSQL (bench/lib/postgres.ts): `postgres` rows, the floor measured again just before.
 * Each bot's fake Slack and PagerDuty run in a process of their own (servers/vendors.ts): what Slack
 * does with the bot's calls is not the bot's cost, and must not share its event loop.
 */
import { Agent, request } from 'node:http';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { childServer } from '../lib/child-server.ts';
import { summarise, withFloor, type Suite } from '../lib/stats.ts';
import { BENCH_PD_USERS } from '../lib/bot.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import type { VendorsInfo } from '../servers/vendors.ts';

const SECRET = 'bench-webhook-secret';
const WARM_INCIDENTS = 20;

/** One POST on a keep-alive agent (node:http: far lighter than fetch, so the client is not what is measured). */
const post = (agent: Agent, url: URL, body: string, signature: string) =>
  new Promise<number>((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'x-pagerduty-signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });

/** Sends every body with `concurrency` requests in flight; returns each response time and the wall time. */
async function blast(
  url: string,
  bodies: string[],
  concurrency = 64,
): Promise<{ times: number[]; seconds: number; failed: number }> {
  // Signed up front: the client's own HMAC work must not be what is measured.
  const signatures = bodies.map((b) => pagerDutySignatureHeader(b, [SECRET]));
  const times: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const s = performance.now();
        const status = await post(agent, target, bodies[i]!, signatures[i]!);
        times.push(performance.now() - s);
        if (status !== 202 && status !== 200) failed++;
      }
    }),
  );
  agent.destroy();
  return { times, seconds: (performance.now() - t0) / 1000, failed };
}

export const webhookIngest: Suite = {
  name: 'webhook-ingest',
  async run({ quick }) {
    const total = quick ? 1_000 : 10_000;
    const incidents = quick ? 20 : 200;
    // Only a factory for realistic incident data here; the bot's own fake PagerDuty runs beside it.
    const pd = new FakePagerDuty({
      users: BENCH_PD_USERS,
    });
    // Each server in its own process, so that neither shares an event loop with the client.
    type BotInfo = { url: string; state: string };
    const pgUrl = await benchDatabaseUrl();
    const servers: { stop: () => Promise<void> }[] = [];
    const start = async <T>(...args: Parameters<typeof childServer>) => {
      const server = await childServer<T>(...args);
      servers.push(server);
      return server;
    };
    try {
      const vendors = await start<VendorsInfo>('vendors.ts');
      const pgVendors = await start<VendorsInfo>('vendors.ts');
      const bot = await start<BotInfo>('webhook-ingest.ts', ['bot', SECRET, JSON.stringify(vendors.info)]);
      const pgBot = await start<BotInfo>('webhook-ingest.ts', ['bot', SECRET, JSON.stringify(pgVendors.info)], {
        BENCH_BOT_DATABASE_URL: pgUrl,
      });
      const floor = await start<BotInfo>('webhook-ingest.ts', ['floor', SECRET]);
      const pages = Array.from({ length: incidents }, (_, i) =>
        pd.createIncident({ title: `Ingest ${i}`, assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }] }),
      );
      // Triggers first, then a mix of redeliveries, acks and resolves up to the total.
      const bodies = pages.map((p, i) =>
        JSON.stringify(webhookBody('incident.triggered', incidentData(p), { id: `ING-T-${i}` })),
      );
      for (let k = 0; bodies.length < total; k++) {
        const i = k % incidents;
        const p = pages[i]!;
        const kind = k % 4;
        bodies.push(
          kind === 0
            ? bodies[i]! // a redelivery of the trigger
            : JSON.stringify(
                webhookBody(
                  kind === 3 && k >= total - incidents * 4 ? 'incident.resolved' : 'incident.acknowledged',
                  incidentData(p),
                  { id: `ING-${k}` },
                ),
              ),
        );
      }
      type Storage = { requests: number; waitedMs: number } | null;
      type State = {
        waiting: number;
        dead: number;
        storage: Storage;
        cpuMs: number;
        channels: number;
        pinned: number;
      };
      const cpuOf = async (url: string) => ((await (await fetch(url)).json()) as { cpuMs: number }).cpuMs;
      // Warm-up pages of their own (JIT, SQLite pages, connections), not counted.
      const warm = Array.from({ length: WARM_INCIDENTS }, (_, i) =>
        pd.createIncident({ title: `Warm-up ${i}`, assignees: [{ id: 'PBENCH0', name: 'u0' }] }),
      );
      const warmBodies = warm.flatMap((p, i) =>
        ['incident.triggered', 'incident.acknowledged', 'incident.acknowledged'].map((type, k) =>
          JSON.stringify(webhookBody(type, incidentData(p), { id: `WARM-${i}-${k}` })),
        ),
      );
      await blast(floor.info.url, warmBodies, 8);
      const rate = (r: { times: number[]; seconds: number }) => r.times.length / r.seconds;
      const figures = [];
      for (const [info, far, engine] of [
        [bot.info, vendors.info, {}],
        [pgBot.info, pgVendors.info, { engine: 'postgres' as const }],
      ] as const) {
        const read = async <T>(url: string) => (await (await fetch(url)).json()) as T;
        const state = async (): Promise<State> => ({
          ...(await read<Pick<State, 'waiting' | 'dead' | 'storage' | 'cpuMs'>>(info.state)),
          ...(await read<Pick<State, 'channels' | 'pinned'>>(far.state)),
        });
        const drain = async () => {
          let s = await state();
          while (s.waiting > 0) {
            await new Promise((r) => setTimeout(r, 20));
            s = await state();
          }
          return s;
        };
        await blast(info.url, warmBodies, 8);
        await drain();
        // The floor's turn comes right before each bot's, with nothing of the last bot still running:
        // on this VM the floor alone moved from 6,700 to 10,200 req/s between runs minutes apart.
        const floorCpuBefore = await cpuOf(floor.info.state);
        const base = await blast(floor.info.url, bodies);
        // The floor's CPU per request: what a bot that did nothing but verify and answer would spend.
        const floorCpu = ((await cpuOf(floor.info.state)) - floorCpuBefore) / bodies.length;
        const before = await state();
        const storageBefore = before.storage;
        const drainStart = performance.now();
        const firstAt = Date.now();
        const ours = await blast(info.url, bodies);
        const sent = await state();
        const storageAfter = sent.storage;
        const s = await drain();
        const drained = (performance.now() - drainStart) / 1000;
        // The rooms are what a person waits for (the triggers go first): when fake Slack saw the last
        // one made, by the clock both processes share.
        const { channelAt } = await read<{ channelAt: number | null }>(
          `${far.state}?channel=${incidents + WARM_INCIDENTS}`,
        );
        // The bot's CPU from the first webhook until `cpuMs`, per webhook, beside the floor's per request.
        const cpuFigure = (measure: string, cpuMs: number) => ({
          ...summarise('webhook-ingest', measure, 'ms', [(cpuMs - before.cpuMs) / bodies.length], '—'),
          floor: { name: 'bare node:http + HMAC', median: floorCpu, p99: floorCpu },
          ...engine,
        });
        const roomsSeconds = ((channelAt ?? Number.NaN) - firstAt) / 1000;
        const { dead } = s;
        // The warm-up's rooms are not counted.
        const channels = s.channels - WARM_INCIDENTS;
        const pinned = s.pinned - WARM_INCIDENTS;
        if (channels !== incidents || pinned !== incidents || dead > 0 || ours.failed > 0)
          throw new Error(
            `ingest lost something: ${channels} channels, ${pinned} pinned, ${dead} dead, ${ours.failed} refused, for ${incidents} incidents`,
          );
        figures.push(
          {
            ...withFloor(
              summarise(
                'webhook-ingest',
                `${total.toLocaleString('en')} webhooks, ${incidents} incidents: response time`,
                'ms',
                ours.times,
                '—',
              ),
              'bare node:http + HMAC',
              base.times,
            ),
            ...engine,
          },
          {
            ...summarise('webhook-ingest', 'accepted per second', 'req/s', [rate(ours)], '≥ 50 % of floor'),
            floor: { name: 'bare node:http + HMAC', median: rate(base), p99: rate(base) },
            note: `${((rate(ours) / rate(base)) * 100).toFixed(0)} % of the floor`,
            ...engine,
          },
          cpuFigure(
            `CPU per webhook while they were sent (${ours.seconds.toFixed(1)} s; the deliveries started meanwhile included)`,
            sent.cpuMs,
          ),
          cpuFigure(`CPU per webhook, every delivery it caused included (until the drain's end)`, s.cpuMs),
          {
            ...summarise(
              'webhook-ingest',
              `rooms: from the first webhook until the last of the ${incidents} incidents' channels exists (its trigger among the first ${incidents} webhooks)`,
              's',
              [roomsSeconds],
              '—',
            ),
            ...engine,
          },
          {
            ...summarise(
              'webhook-ingest',
              `drain: from the first webhook until every Slack effect is delivered (sending took ${ours.seconds.toFixed(1)} s; ${channels} channels, ${pinned} pinned, 0 lost, 0 dead)`,
              's',
              [drained],
              '—',
            ),
            ...engine,
          },
        );
        if (storageBefore && storageAfter) {
          // The storage port is synchronous: while a request to PostgreSQL's connection thread is
          // out, the event loop does nothing else. However fast the rest of the bot, the webhooks
          // could not have been taken faster than those waits allow (the outbox's, made meanwhile,
          // included: they hold the same loop).
          const waited = (storageAfter.waitedMs - storageBefore.waitedMs) / 1000;
          const requests = (storageAfter.requests - storageBefore.requests) / bodies.length;
          const most = bodies.length / waited;
          figures.push({
            ...summarise(
              'webhook-ingest',
              `the most webhooks per second the waits for PostgreSQL alone allowed (the event loop was blocked on it ${waited.toFixed(1)} s of the ${ours.seconds.toFixed(1)} s of sending; ${requests.toFixed(1)} requests to its connection thread per webhook, the outbox's meanwhile included)`,
              'req/s',
              [most],
              '—',
            ),
            floor: { name: 'bare node:http + HMAC', median: rate(base), p99: rate(base) },
            note: `${((most / rate(base)) * 100).toFixed(0)} % of the floor`,
            ...engine,
          });
        }
      }
      return figures;
    } finally {
      for (const server of servers.reverse()) await server.stop();
    }
  },
};
