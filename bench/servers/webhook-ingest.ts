/**
 * The two servers of the webhook-ingest suite, each in its own process: `bot` (the real bot, its
 * fake Slack and fake PagerDuty in a process of their own, vendors.ts, whose printed line is the
 * third argument; a second port tells what is still to deliver) or `floor` (bare node:http that reads
 * the body, verifies the HMAC and answers 202). Arguments: which, then the webhook secret. The bot
 * stores in BENCH_BOT_DATABASE_URL when set; on PostgreSQL its state also tells how many requests its
 * event loop has made to the storage's connection thread and how long it has been blocked on them.
 * Each tells the CPU time its process has used (`cpuMs`), the floor at a state address of its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engineOf } from '../../src/db/open-storage.ts';
import type { PgDatabase } from '../../src/db/postgres/pg-database.ts';
import { verifyPagerDutySignature } from '../../src/pagerduty/verify-signature.ts';
import { benchBot, storageFromEnv } from '../lib/bot.ts';
import type { VendorsInfo } from './vendors.ts';

/** The webhook signing secret, given by the suite. */
const WEBHOOK_SECRET = process.argv[3] ?? '';

/** User and system CPU time this process has used, in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

async function floor() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ok = verifyPagerDutySignature(Buffer.concat(chunks), String(req.headers['x-pagerduty-signature'] ?? ''), [
        WEBHOOK_SECRET,
      ]);
      res.writeHead(ok ? 202 : 401).end();
    });
  });
  const state = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ cpuMs: cpuMs() }));
  });
  const url = await listen(server);
  const stateUrl = await listen(state);
  return {
    info: { url: `${url}/webhooks/pagerduty`, state: stateUrl },
    stop: async () => {
      state.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function bot(vendors: VendorsInfo) {
  const b = await benchBot(
    {
      PAGERDUTY_TOKEN: vendors.pagerduty.token,
      PAGERDUTY_FROM: 'bot@example.com',
      PAGERDUTY_API_URL: vendors.pagerduty.url,
      PAGERDUTY_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      ...storageFromEnv(),
    },
    undefined,
    vendors.slack,
  );
  const db = b.app.db;
  const waiting = db
    .prepare(
      "SELECT count(*) FROM outbox WHERE state = 'pending' AND kind <> 'channel.archive' AND kind <> 'postmortem.publish'",
    )
    .pluck();
  const dead = db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck();
  const pg = engineOf(db) === 'postgres' ? (db as unknown as PgDatabase) : null;
  const state = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        waiting: Number(waiting.get()),
        dead: Number(dead.get()),
        storage: pg ? { requests: pg.client.roundTrips, waitedMs: pg.client.waitedMs } : null,
        cpuMs: cpuMs(),
      }),
    );
  });
  const stateUrl = await listen(state);
  return {
    info: { url: `${b.app.url.replace('localhost', '127.0.0.1')}/webhooks/pagerduty`, state: stateUrl },
    stop: async () => {
      state.close();
      await b.stop();
    },
  };
}

const server = await (process.argv[2] === 'floor' ? floor() : bot(JSON.parse(process.argv[4]!) as VendorsInfo));
process.stdout.write(`${JSON.stringify(server.info)}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
