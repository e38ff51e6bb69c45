/**
 * Command ack latency: signed `/incident update` (a write: each makes the outbox post it to Slack),
 * `/incident status` (a read, sent among updates so the outbox is busy meanwhile) and `/incident note`
 * (a write that queues nothing for Slack) at fixed, evenly paced rates, against the real bot and against
 * the floor: a minimal Bolt app (same receiver, same signature check) that only acks. Each in its own
 * process, measured the same way by the same client, in the same run. Every request is signed afresh: the bot acks a replayed signature without acting on it.
 * The same bot storing in PostgreSQL (bench/lib/postgres.ts) is measured beside it under the same
 * load, against the same floor sample: one `postgres` row after each SQLite row. The bots and the floor
 * take turns of a quarter of the run each (bench/lib/paced-load.ts `pacedLoadInTurns`).
 */
import { availableParallelism } from 'node:os';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { BENCH_USERS } from '../lib/bot.ts';
import { childServer } from '../lib/child-server.ts';
import { loadFigure } from '../lib/load.ts';
import { pacedLoad, pacedLoadInTurns, type PacedRequest } from '../lib/paced-load.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
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
    // Each started server is stopped, in reverse, whatever fails after it started.
    const started: { stop: () => Promise<void> }[] = [];
    const start = async <T>(...args: Parameters<typeof childServer>) => {
      const server = await childServer<T>(...args);
      started.unshift(server);
      return server;
    };
    try {
      return await measure(quick, start);
    } finally {
      for (const server of started) await server.stop();
    }
  },
};

async function measure(
  quick: boolean,
  start: <T>(...args: Parameters<typeof childServer>) => Promise<{ info: T }>,
): Promise<Figure[]> {
  const seconds = quick ? 3 : 20;
  // Each server in its own process: the load generator must not share their event loop.
  // The fake Slack too: Slack's side of each note's message is not the bot's cost.
  const slack = await start<{ url: string; token: string }>('fake-slack.ts');
  const slackArgs = ['bot', JSON.stringify(slack.info)];
  type BotInfo = { url: string; channel: string; state: string };
  const bot = await start<BotInfo>('command-ack.ts', slackArgs);
  const pgBot = await start<BotInfo>('command-ack.ts', slackArgs, {
    BENCH_BOT_DATABASE_URL: await benchDatabaseUrl(),
  });
  const floor = await start<{ url: string; cpu: string }>('command-ack.ts', ['floor']);
  // The floor plus a note's statements and nothing else of the bot (its own figure, notes only), on
  // each engine: what durability alone costs before the ack.
  const durable = await start<{ url: string; cpu: string }>('command-ack.ts', ['durable', bot.info.channel]);
  const pgDurable = await start<{ url: string; cpu: string }>('command-ack.ts', ['durable', bot.info.channel], {
    BENCH_BOT_DATABASE_URL: await benchDatabaseUrl(),
  });
  const durables = {
    durable: { server: durable, engine: 'SQLite' },
    pgDurable: { server: pgDurable, engine: 'PostgreSQL' },
  };
  const figures: Figure[] = [];
  const engines = [
    { bot: bot.info, url: bot.info.url.replace('localhost', '127.0.0.1'), engine: undefined },
    { bot: pgBot.info, url: pgBot.info.url.replace('localhost', '127.0.0.1'), engine: 'postgres' as const },
  ];
  const state = async (url: string) => (await (await fetch(url)).json()) as { pending?: number; cpuMs: number };
  // Every run starts with the bots settled: the Slack messages of earlier updates all delivered.
  // Bounded, so that a bot that cannot keep up fails the run with a reason instead of hanging CI.
  const settled = async () => {
    for (const e of engines) {
      const until = performance.now() + 180_000;
      let pending = (await state(e.bot.state)).pending ?? 0;
      while (pending > 0) {
        if (performance.now() > until)
          throw new Error(`the ${e.engine ?? 'sqlite'} bot still has ${pending} deliveries pending after 180 s`);
        await new Promise((r) => setTimeout(r, 50));
        pending = (await state(e.bot.state)).pending ?? 0;
      }
    }
  };
  // Warm the servers up (JIT, connection pools, caches) before anything is measured.
  for (const stream of ['mixed', 'update', 'note'] as const) {
    const warm = { rate: 200, seconds: quick ? 1 : 3 };
    for (const e of engines)
      await pacedLoad({
        url: `${e.url}/slack/events`,
        make: STREAMS[stream](e.bot.channel),
        ...warm,
        accept: replied,
      });
    await pacedLoad({ url: `${floor.info.url}/slack/events`, make: STREAMS[stream](bot.info.channel), ...warm });
    if (stream === 'note')
      for (const { server } of Object.values(durables))
        await pacedLoad({
          url: `${server.info.url}/slack/events`,
          make: STREAMS.note(bot.info.channel),
          ...warm,
          accept: replied,
        });
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
      // Quick mode (CI's 2 cores) measures PostgreSQL at 100/s only: the whole run must stay short.
      const bots = engines.filter((x) => !(quick && x.engine && rate > 100));
      type Durable = keyof typeof durables;
      type Target = (typeof engines)[number] | 'floor' | Durable;
      const isDurable = (t: Target): t is Durable => t === 'durable' || t === 'pgDurable';
      // Each engine's durable floor beside that engine's bot.
      const statementFloors: Durable[] =
        run.verb !== 'note' ? [] : bots.length > 1 ? ['durable', 'pgDurable'] : ['durable'];
      const targets: Target[] = [...bots, 'floor', ...statementFloors];
      // CPU per request, the deliveries the run caused included (until the bot has settled): on a
      // shared machine latency also measures the other jobs' load; this measures only our work.
      const cpu = new Map<Target, number>(targets.map((t) => [t, 0]));
      const cpuNow = async (t: Target) =>
        (await state(t === 'floor' ? floor.info.cpu : isDurable(t) ? durables[t].server.info.cpu : t.bot.state)).cpuMs;
      let cpuBefore = 0;
      const results = await pacedLoadInTurns<Target>({
        targets,
        load: (t) =>
          t === 'floor'
            ? { url: `${floor.info.url}/slack/events`, make: STREAMS[run.stream](bot.info.channel) }
            : isDurable(t)
              ? {
                  url: `${durables[t].server.info.url}/slack/events`,
                  make: STREAMS[run.stream](bot.info.channel),
                  accept: replied,
                }
              : { url: `${t.url}/slack/events`, make: STREAMS[run.stream](t.bot.channel), accept: replied },
        rate,
        seconds,
        // The bots and the floor take turns of a few seconds (A B C A B C …): a slow minute of this
        // shared machine then falls on each of them alike, not on whichever was measured in it.
        slices: quick ? 1 : 4,
        before: async (t) => {
          if (t !== 'floor' && !isDurable(t)) await settled();
          cpuBefore = await cpuNow(t);
        },
        after: async (t) => {
          if (t !== 'floor' && !isDurable(t)) await settled();
          cpu.set(t, cpu.get(t)! + (await cpuNow(t)) - cpuBefore);
        },
      });
      const measured = bots.map((e) => {
        const all = results.get(e)!;
        return { e, all, cpuPer: cpu.get(e)! / total(all) };
      });
      const allBase = results.get('floor')!;
      const floorCpuPer = cpu.get('floor')! / total(allBase);
      const base = allBase[run.verb]!;
      for (const { e, all, cpuPer } of measured) {
        const engine = e.engine ? { engine: e.engine } : {};
        figures.push(
          {
            ...loadFigure(
              'command-ack',
              run.label(rate),
              all[run.verb]!,
              rate === 100 ? 'p99 < 20 ms; ≤ 1.5× floor' : '≤ 1.5× floor',
              { name: 'Bolt app that only acks', r: base },
            ),
            ...engine,
          },
          {
            suite: 'command-ack',
            measure: `CPU per request, ${run.label(rate).slice(1)}, deliveries included`,
            unit: 'ms',
            n: 1,
            min: cpuPer,
            median: cpuPer,
            p99: cpuPer,
            max: cpuPer,
            target: '—',
            // The CPU this rate asks of the bot against the cores there are: above them, no scheduling
            // inside the bot keeps acks at the floor, as the requests' own work outruns the machine.
            note: `× ${rate} req/s = ${((cpuPer * rate) / 1000).toFixed(2)} cores busy; ${availableParallelism()} here`,
            floor: { name: 'Bolt app that only acks', median: floorCpuPer, p99: floorCpuPer },
            ...engine,
          },
        );
      }
      for (const d of statementFloors) {
        const statements = results.get(d)!;
        const cpuPer = cpu.get(d)! / total(statements);
        figures.push({
          ...loadFigure(
            'command-ack',
            `${run.label(rate)}: the floor running a note's ${durables[d].engine} statements before it acks, no bot code (what the statements alone cost; CPU per request ${cpuPer.toFixed(2)} ms, the floor's ${floorCpuPer.toFixed(2)})`,
            statements[run.verb]!,
            '—',
            { name: 'Bolt app that only acks', r: base },
          ),
          ...(d === 'pgDurable' ? { engine: 'postgres' as const } : {}),
        });
      }
    }
  }
  return figures;
}
