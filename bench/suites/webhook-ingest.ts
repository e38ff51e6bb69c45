/**
 * Webhook ingest: signed PagerDuty webhooks for many incidents (triggers, redeliveries, acks,
 * resolves) as fast as 64 connections send them, against the floor: a bare node:http server that
 * reads the body, verifies the HMAC and answers 202. Then the drain: until every Slack effect is
 * delivered to a zero-latency fake Slack; checks one staffed channel per incident, none lost.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pagerDutySignatureHeader, verifyPagerDutySignature } from '../../src/pagerduty/verify-signature.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { summarise, withFloor, type Suite } from '../lib/stats.ts';

const SECRET = 'bench-webhook-secret';

async function bareFloor(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ok = verifyPagerDutySignature(Buffer.concat(chunks), String(req.headers['x-pagerduty-signature'] ?? ''), [SECRET]);
      res.writeHead(ok ? 202 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pagerduty`, stop: () => new Promise((r) => server.close(() => r())) };
}

/** Sends every body with `concurrency` requests in flight; returns each response time and the wall time. */
async function blast(url: string, bodies: string[], concurrency = 64): Promise<{ times: number[]; seconds: number; failed: number }> {
  // Signed up front: the client's own HMAC work must not be what is measured.
  const signatures = bodies.map((b) => pagerDutySignatureHeader(b, [SECRET]));
  const times: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const body = bodies[i]!;
        const s = performance.now();
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': signatures[i]! } });
        await res.arrayBuffer();
        times.push(performance.now() - s);
        if (res.status !== 202 && res.status !== 200) failed++;
      }
    }),
  );
  return { times, seconds: (performance.now() - t0) / 1000, failed };
}

export const webhookIngest: Suite = {
  name: 'webhook-ingest',
  async run({ quick }) {
    const total = quick ? 1_000 : 10_000;
    const incidents = quick ? 20 : 200;
    const pd = await new FakePagerDuty({ users: BENCH_USERS.map((u, i) => ({ id: `PBENCH${i}`, name: u.name, email: u.email })) }).start();
    const bot = await benchBot({ PAGERDUTY_TOKEN: pd.token, PAGERDUTY_FROM: 'bot@example.com', PAGERDUTY_API_URL: pd.url, PAGERDUTY_WEBHOOK_SECRETS: SECRET });
    const floor = await bareFloor();
    try {
      const pages = Array.from({ length: incidents }, (_, i) => pd.createIncident({ title: `Ingest ${i}`, assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }] }));
      // Triggers first, then a mix of redeliveries, acks and resolves up to the total.
      const bodies = pages.map((p, i) => JSON.stringify(webhookBody('incident.triggered', incidentData(p), { id: `ING-T-${i}` })));
      for (let k = 0; bodies.length < total; k++) {
        const i = k % incidents;
        const p = pages[i]!;
        const kind = k % 4;
        bodies.push(
          kind === 0
            ? bodies[i]! // a redelivery of the trigger
            : JSON.stringify(webhookBody(kind === 3 && k >= total - incidents * 4 ? 'incident.resolved' : 'incident.acknowledged', incidentData(p), { id: `ING-${k}` })),
        );
      }
      await blast(floor.url, bodies.slice(0, 200)); // warm the client and the connections
      const base = await blast(floor.url, bodies);
      const drainStart = performance.now();
      const ours = await blast(`${bot.app.url}/webhooks/pagerduty`, bodies);
      const db = bot.app.db;
      const waiting = db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND kind <> 'channel.archive' AND kind <> 'postmortem.publish'").pluck();
      while ((waiting.get() as number) > 0) await new Promise((r) => setTimeout(r, 20));
      const drained = (performance.now() - drainStart) / 1000;
      const channels = [...bot.slack.ws.channels.values()].length;
      const pinned = bot.slack.ws.messages.filter((m) => m.pinned).length;
      const dead = db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck().get() as number;
      if (channels !== incidents || pinned !== incidents || dead > 0 || ours.failed > 0) throw new Error(`ingest lost something: ${channels} channels, ${pinned} pinned, ${dead} dead, ${ours.failed} refused, for ${incidents} incidents`);
      const rate = (r: { times: number[]; seconds: number }) => r.times.length / r.seconds;
      return [
        { ...withFloor(summarise('webhook-ingest', `${total.toLocaleString('en')} webhooks, ${incidents} incidents: response time`, 'ms', ours.times, '—'), 'bare node:http + HMAC', base.times) },
        {
          ...summarise('webhook-ingest', 'accepted per second', 'req/s', [rate(ours)], '≥ 50 % of floor'),
          floor: { name: 'bare node:http + HMAC', median: rate(base), p99: rate(base) },
          note: `${((rate(ours) / rate(base)) * 100).toFixed(0)} % of the floor`,
        },
        { ...summarise('webhook-ingest', `drain: every Slack effect delivered (${channels} channels, ${pinned} pinned, 0 lost, 0 dead)`, 's', [drained], '—') },
      ];
    } finally {
      await floor.stop();
      await bot.stop();
      await pd.stop();
    }
  },
};
