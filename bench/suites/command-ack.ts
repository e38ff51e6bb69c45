/**
 * Command ack latency: signed `/incident status` and `/incident note` at fixed rates, against the
 * real bot and against the floor: a minimal Bolt app (same receiver, same signature check) that only
 * acks. Both in this process, measured the same way, in the same run.
 */
import { App, HTTPReceiver } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { load, loadFigure } from '../lib/load.ts';
import { SIGNING_SECRET, slashCommand } from '../lib/slack-command.ts';
import type { Figure, Suite } from '../lib/stats.ts';

async function boltFloor(): Promise<{ url: string; stop: () => Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: ['/slack/events'] });
  const app = new App({ receiver, token: 'xoxb-floor', tokenVerificationEnabled: false, botId: 'B0', botUserId: 'U0' } as never);
  app.command('/incident', async ({ ack }) => ack());
  const server = createServer((req, res) => receiver.requestListener(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: () => new Promise((r) => server.close(() => r())) };
}

const signed = (text: string, channel: string) => {
  const body = slashCommandBody({ text, userId: BENCH_USERS[0]!.id, channelId: channel, triggerId: 'bench.trigger' });
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) } };
};

export const commandAck: Suite = {
  name: 'command-ack',
  async run({ quick }) {
    const seconds = quick ? 3 : 20;
    const bot = await benchBot();
    const floor = await boltFloor();
    const figures: Figure[] = [];
    try {
      await slashCommand(bot.app.url, 'declare Bench commands sev3', { user: BENCH_USERS[0]!.id, channel: 'C0GENERAL' });
      let channel: string | null = null;
      while (!channel) {
        channel = bot.app.incidents.listOpen()[0]?.channelId ?? null;
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const rate of [100, 500]) {
        for (const verb of ['status', 'note bench note']) {
          const req = signed(verb, channel);
          const ours = await load({ url: `${bot.app.url}/slack/events`, method: 'POST', ...req, rate, seconds });
          const base = await load({ url: `${floor.url}/slack/events`, method: 'POST', ...req, rate, seconds });
          figures.push(loadFigure('command-ack', `/incident ${verb.split(' ')[0]} at ${rate}/s`, ours, rate === 100 ? 'p99 < 20 ms; ≤ 1.5× floor' : '≤ 1.5× floor', { name: 'Bolt app that only acks', r: base }));
        }
      }
    } finally {
      await floor.stop();
      await bot.stop();
    }
    return figures;
  },
};
