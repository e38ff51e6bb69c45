/**
 * The two servers of the command-ack suite, each run in its own process: `bot` (the real bot with
 * the fake Slack given as JSON in the next argument, one declared incident; `state` on a second port says how many effects are still
 * pending) or `floor` (a Bolt app that only acks). The bot stores in BENCH_BOT_DATABASE_URL when set. Each tells the CPU time it has used (`state`, `/cpu`).
 */
import { App, HTTPReceiver } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { BENCH_USERS, benchBot, storageFromEnv } from '../lib/bot.ts';
import { SIGNING_SECRET, slashCommand } from '../lib/slack-command.ts';

/** CPU time this process has used (user + system), in ms: what a request costs, whatever the machine's load. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function floor() {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: ['/slack/events'] });
  // As lean as Bolt goes (no conversation store, as the bot runs it), so that the floor is a floor.
  const app = new App({
    receiver,
    token: 'xoxb-floor',
    tokenVerificationEnabled: false,
    botId: 'B0',
    botUserId: 'U0',
    convoStore: false,
  } as never);
  app.command('/incident', async ({ ack }) => ack());
  const server = createServer((req, res) =>
    req.url === '/cpu' ? res.end(JSON.stringify({ cpuMs: cpuMs() })) : receiver.requestListener(req, res),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    info: { url, cpu: `${url}/cpu` },
    stop: () => new Promise<void>((r) => server.close(() => r())),
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

const server = await (process.argv[2] === 'floor'
  ? floor()
  : bot(JSON.parse(process.argv[3]!) as { url: string; token: string }));
process.stdout.write(`${JSON.stringify(server.info)}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
