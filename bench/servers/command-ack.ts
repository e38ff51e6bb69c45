/**
 * The servers of the command-ack suite, each run in its own process: `bot` (the real bot with
 * the fake Slack given as JSON in the next argument, one declared incident; `state` on a second port says how many effects are still
 * pending), `floor` (a Bolt app that only acks) or `durable <channel>` (the floor that runs a note's
 * statements, through the bot's own repositories, before it acks: what the statements alone cost). The bot and
 * the durable floor store in BENCH_BOT_DATABASE_URL when set, else in SQLite. Each tells the CPU time it has used
 * (`state`, `/cpu`).
 */
import { App, HTTPReceiver } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openStorage } from '../../src/db/open-storage.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { BENCH_USERS, benchBot, storageFromEnv } from '../lib/bot.ts';
import { SIGNING_SECRET, slashCommand } from '../lib/slack-command.ts';

/** CPU time this process has used (user + system), in ms: what a request costs, whatever the machine's load. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** A Bolt app as lean as Bolt goes (no conversation store, as the bot runs it), so that the floor is a floor. */
function leanBolt() {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: ['/slack/events'] });
  const app = new App({
    receiver,
    token: 'xoxb-floor',
    tokenVerificationEnabled: false,
    botId: 'B0',
    botUserId: 'U0',
    convoStore: false,
  } as never);
  return { receiver, app };
}

async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) =>
    req.url === '/cpu' ? res.end(JSON.stringify({ cpuMs: cpuMs() })) : listener(req, res),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    info: { url, cpu: `${url}/cpu` },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function floor() {
  const { receiver, app } = leanBolt();
  app.command('/incident', async ({ ack }) => ack());
  return serve((req, res) => receiver.requestListener(req, res));
}

/**
 * The floor plus the statements a note runs, in the bot's order: the replay guard's insert (it
 * commits alone), the incident by its channel, then one transaction with the timeline event and its
 * tally. No bot code around them: the gap to the floor is what the statements cost on this machine,
 * on SQLite or (BENCH_BOT_DATABASE_URL) on PostgreSQL through the bot's own synchronous client.
 */
async function durable(channel: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  const db = openStorage({ databasePath: join(dir, 'bench.db'), databaseUrl: process.env.BENCH_BOT_DATABASE_URL });
  migrate(db);
  const seen = new SeenRequestRepository(db);
  const incidents = new IncidentRepository(db);
  const now = Date.now();
  const id = incidents.insert({
    title: 'Bench commands',
    description: null,
    severity: 'sev3',
    source: 'slack',
    externalId: null,
    declaredBy: BENCH_USERS[0]!.id,
    declaredAt: now,
  });
  incidents.setChannel(id, channel, 'inc-bench', now);
  const note = db.transaction((incidentId: number, actor: string, text: string) =>
    incidents.appendEvent({ incidentId, at: Date.now(), kind: 'note', actor, body: text }),
  );
  const { receiver, app } = leanBolt();
  app.command('/incident', async ({ ack, body }) => {
    const incident = incidents.byChannel(body.channel_id);
    if (!incident) return ack({ text: 'not an incident channel' });
    note(incident.id, body.user_id, body.text);
    await ack({ text: `Noted in the timeline of incident #${incident.id}.` });
  });
  const served = await serve((req, res) => {
    // Where the bot records it: before Bolt, once per signed request.
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (typeof signature === 'string') seen.firstSeen('slack', signature, timestamp * 1000);
    receiver.requestListener(req, res);
  });
  return {
    info: served.info,
    stop: async () => {
      await served.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function bot(slack: { url: string; token: string }) {
  const b = await benchBot(storageFromEnv(), undefined, slack);
  await slashCommand(b.app.url, 'declare Bench commands sev3', { user: BENCH_USERS[0]!.id, channel: 'C0GENERAL' });
  let channel: string | null = null;
  while (!channel) {
    channel = b.app.incidents.listOpen()[0]?.channelId ?? null;
    await new Promise((r) => setTimeout(r, 10));
  }
  // Tells the suite when the effects of the last run are delivered, so the next starts settled.
  const pending = b.app.db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck();
  const state = createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ pending: Number(pending.get()), cpuMs: cpuMs() })),
  );
  await new Promise<void>((r) => state.listen(0, '127.0.0.1', r));
  const stateUrl = `http://127.0.0.1:${(state.address() as AddressInfo).port}`;
  return {
    info: { url: b.app.url, channel, state: stateUrl },
    stop: async () => {
      state.close();
      await b.stop();
    },
  };
}

const SERVERS: Record<string, () => Promise<{ info: unknown; stop: () => Promise<void> }>> = {
  floor,
  durable: () => durable(process.argv[3]!),
  bot: () => bot(JSON.parse(process.argv[3]!) as { url: string; token: string }),
};
const server = await SERVERS[process.argv[2]!]!();
process.stdout.write(`${JSON.stringify(server.info)}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
