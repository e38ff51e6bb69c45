/**
 * Command ack latency: signed `/incident update` (a write: each makes the outbox post it to Slack),
 * `/incident status` (a read, sent among updates so the outbox is busy meanwhile) and `/incident note`
 * (a write that queues nothing for Slack) at fixed, evenly paced rates, against the real bot and against
 * the floor: a minimal Bolt app (same receiver, same signature check) that only acks. Each in its own
 * process, measured the same way by the same client, in the same run. Every request is signed afresh: the bot acks a replayed signature without acting on it.
 */
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { BENCH_USERS } from '../lib/bot.ts';
import { childServer } from '../lib/child-server.ts';
import { loadFigure } from '../lib/load.ts';
import { pacedLoad, type PacedRequest } from '../lib/paced-load.ts';
import { SIGNING_SECRET } from '../lib/slack-command.ts';
import type { Figure, Suite } from '../lib/stats.ts';

let sent = 0;
/** A fresh signed `/incident <text>` each time: the bot acts on a signature once, and acks a copy without acting. */
const signed = (kind: string, text: string, channel: string): PacedRequest => {
  const triggerId = `bench.${process.pid}.${sent++}`;
  const body = slashCommandBody({ text, userId: BENCH_USERS[0]!.id, channelId: channel, triggerId });
  return {
    kind,
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
  };
};

const UPDATE = 'update investigating bench update';
/**
 * Updates only (each makes the outbox post it to the incident's channel), notes only (a write that
 * queues nothing), or statuses with every other request an update.
 */
const STREAMS = {
  update: (channel: string) => (_i: number) => signed('update', UPDATE, channel),
  note: (channel: string) => (_i: number) => signed('note', 'note bench note', channel),
  mixed: (channel: string) => (i: number) =>
    i % 2 === 0 ? signed('status', 'status', channel) : signed('update', UPDATE, channel),
};

const total = (results: Record<string, { requests: number }>) =>
  Object.values(results).reduce((n, r) => n + r.requests, 0);

/** The bot answered the command itself (an empty 200 is how it acks a replayed signature). */
const replied = (status: number, body: string) => status === 200 && body.includes('"text"');

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
    const floor = await childServer<{ url: string; cpu: string }>('command-ack.ts', ['floor']);
    const figures: Figure[] = [];
    try {
      const { channel } = bot.info;
      const botUrl = bot.info.url.replace('localhost', '127.0.0.1');
      const state = async (url: string) => (await (await fetch(url)).json()) as { pending?: number; cpuMs: number };
      // Every run starts with the bot settled: the Slack messages of earlier updates all delivered.
      const settled = async () => {
        while (((await state(bot.info.state)).pending ?? 0) > 0) await new Promise((r) => setTimeout(r, 50));
      };
      // Warm both servers up (JIT, connection pools, caches) before anything is measured.
      for (const make of [STREAMS.mixed(channel), STREAMS.update(channel), STREAMS.note(channel)]) {
        const warm = { make, rate: 200, seconds: quick ? 1 : 3 };
        await pacedLoad({ url: `${botUrl}/slack/events`, ...warm, accept: replied });
        await pacedLoad({ url: `${floor.info.url}/slack/events`, ...warm });
      }
      // A write verb alone (its acks compete with delivering what the updates before it caused), the
      // read verb among updates, so that it too is measured while the outbox is busy, and a write
      // that queues nothing.
      const runs = [
        { stream: 'update', verb: 'update', label: (rate: number) => `/incident update at ${rate}/s` },
        {
          stream: 'mixed',
          verb: 'status',
          label: (rate: number) => `/incident status at ${rate}/s, every other request an update`,
        },
        { stream: 'note', verb: 'note', label: (rate: number) => `/incident note at ${rate}/s` },
      ] as const;
      for (const rate of [100, 500]) {
        for (const run of runs) {
          await settled();
          const load = { make: STREAMS[run.stream](channel), rate, seconds };
          // CPU per request, the deliveries the run caused included (until the bot has settled): on a
          // shared machine latency also measures the other jobs' load; this measures only our work.
          const botCpu = (await state(bot.info.state)).cpuMs;
          const all = await pacedLoad({ url: `${botUrl}/slack/events`, ...load, accept: replied });
          await settled();
          const botCpuPer = ((await state(bot.info.state)).cpuMs - botCpu) / total(all);
          const floorCpu = (await state(floor.info.cpu)).cpuMs;
          const allBase = await pacedLoad({ url: `${floor.info.url}/slack/events`, ...load });
          const floorCpuPer = ((await state(floor.info.cpu)).cpuMs - floorCpu) / total(allBase);
          const ours = all[run.verb]!;
          const base = allBase[run.verb]!;
          figures.push(
            loadFigure(
              'command-ack',
              run.label(rate),
              ours,
              rate === 100 ? 'p99 < 20 ms; ≤ 1.5× floor' : '≤ 1.5× floor',
              { name: 'Bolt app that only acks', r: base },
            ),
            {
              suite: 'command-ack',
              measure: `CPU per request, ${run.label(rate).slice(1)}, deliveries included`,
              unit: 'ms',
              n: 1,
              min: botCpuPer,
              median: botCpuPer,
              p99: botCpuPer,
              max: botCpuPer,
              target: '—',
              floor: { name: 'Bolt app that only acks', median: floorCpuPer, p99: floorCpuPer },
            },
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
