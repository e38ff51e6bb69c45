/**
 * The two servers of the status-page suite, each in its own process: `bot` (the real bot with
 * 1,000 past incidents, its worker stopped: the page is measured, not the effects of seeding) or
 * `floor <url>` (bare node:http answering, from memory, the bytes that URL returned).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { actorOf } from '../../src/incidents/permissions.ts';

async function floor(source: string) {
  const res = await fetch(source);
  const body = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? 'text/plain';
  const server = createServer((_req, r) =>
    r.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    info: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bytes: body.length },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function bot() {
  const b = await benchBot();
  const svc = b.app.incidents;
  const alice = actorOf(BENCH_USERS[0]!.id);
  for (let i = 0; i < 1_000; i++) {
    const incident = svc.declare({
      title: `Past incident ${i}`,
      severity: 'sev3',
      declaredBy: alice.id,
      source: 'slack',
    });
    svc.postUpdate(incident.id, 'investigating', `We are looking into ${i}.`, alice, { public: true });
    if (i < 990) svc.resolve(incident.id, alice, `Fixed ${i}.`);
  }
  await b.app.worker.stop(0);
  return { info: { url: b.app.url }, stop: b.stop };
}

const server = await (process.argv[2] === 'floor' ? floor(process.argv[3]!) : bot());
process.stdout.write(`${JSON.stringify(server.info)}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
