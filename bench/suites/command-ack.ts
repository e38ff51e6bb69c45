/**
 * Command ack latency: signed `/incident status` and `/incident note` at fixed, evenly paced rates, against the
 * real bot and against the floor: a minimal Bolt app (same receiver, same signature check) that only
 * acks. Each in its own process, measured the same way by the same client, in the same run.
 */
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { BENCH_USERS } from '../lib/bot.ts';
import { childServer } from '../lib/child-server.ts';
import { loadFigure } from '../lib/load.ts';
import { pacedLoad } from '../lib/paced-load.ts';
import { SIGNING_SECRET } from '../lib/slack-command.ts';
import type { Figure, Suite } from '../lib/stats.ts';

const signed = (text: string, channel: string) => {
  const body = slashCommandBody({ text, userId: BENCH_USERS[0]!.id, channelId: channel, triggerId: 'bench.trigger' });
  return {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
  };
};

export const commandAck: Suite = {
  name: 'command-ack',
  async run({ quick }) {
    const seconds = quick ? 3 : 20;
    // Each server in its own process: the load generator must not share their event loop.
    // The fake Slack too: Slack's side of each note's message is not the bot's cost.
    const slack = await childServer<{ url: string; token: string }>('fake-slack.ts');
    const bot = await childServer<{ url: string; channel: string; state: string }>('command-ack.ts', [
      'bot',
      JSON.stringify(slack.info),
    ]);
    const floor = await childServer<{ url: string }>('command-ack.ts', ['floor']);
    const figures: Figure[] = [];
    try {
      const { channel } = bot.info;
      const botUrl = bot.info.url.replace('localhost', '127.0.0.1');
      // Every run starts with the bot settled: the Slack messages of earlier notes all delivered.
      const settled = async () => {
        while (((await (await fetch(bot.info.state)).json()) as { pending: number }).pending > 0)
          await new Promise((r) => setTimeout(r, 50));
      };
      // Warm both servers up (JIT, connection pools, caches) before anything is measured.
      for (const verb of ['status', 'note bench warm-up']) {
        const req = signed(verb, channel);
        await pacedLoad({ url: `${botUrl}/slack/events`, ...req, rate: 200, seconds: quick ? 1 : 3 });
        await pacedLoad({ url: `${floor.info.url}/slack/events`, ...req, rate: 200, seconds: quick ? 1 : 3 });
      }
      for (const rate of [100, 500]) {
        for (const verb of ['status', 'note bench note']) {
          const req = signed(verb, channel);
          await settled();
          const ours = await pacedLoad({ url: `${botUrl}/slack/events`, ...req, rate, seconds });
          const base = await pacedLoad({ url: `${floor.info.url}/slack/events`, ...req, rate, seconds });
          figures.push(
            loadFigure(
              'command-ack',
              `/incident ${verb.split(' ')[0]} at ${rate}/s`,
              ours,
              rate === 100 ? 'p99 < 20 ms; ≤ 1.5× floor' : '≤ 1.5× floor',
              { name: 'Bolt app that only acks', r: base },
            ),
          );
        }
      }
    } finally {
      await floor.stop();
      await bot.stop();
      await slack.stop();
    }
    return figures;
  },
};
