/**
 * Footprint of the real process, started the ways people start it: `npm start` (the README's
 * command: npm, then bin/incident-bot.js on the compiled build), `node --max-semi-space-size=4 bin/incident-bot.js start`
 * (what a process manager runs) and through tsx (`npm run dev`). Cold start to ready, resident
 * memory when idle, and after a storm of pages has been turned into channels. Read from the bot's
 * own /metrics, as an operator would.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { BENCH_PD_USERS, BENCH_USERS } from '../lib/bot.ts';
import { SIGNING_SECRET } from '../lib/slack-command.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** npm's own CLI: the one running this bench (`npm run bench`), else the one beside this node. */
const NPM_CLI =
  process.env.npm_execpath ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

interface Way {
  name: string;
  args: string[];
  /** npm stays resident beside the bot: its own RSS is reported apart. */
  viaNpm?: boolean;
  /** No credentials: the README's first command, the sandbox with its fakes in the same process. */
  sandbox?: boolean;
}
const NPM_START = [NPM_CLI, 'start', '--silent'];
const TSX = ['--import', 'tsx', 'src/main.ts', 'start'];
const WAYS: Way[] = [
  { name: 'npm start, sandbox (no credentials)', args: NPM_START, viaNpm: true, sandbox: true },
  { name: 'npm start', args: NPM_START, viaNpm: true },
  {
    name: 'node --max-semi-space-size=4 bin/incident-bot.js start',
    args: ['--max-semi-space-size=4', 'bin/incident-bot.js', 'start'],
  },
  { name: 'through tsx (npm run dev), sandbox', args: TSX, sandbox: true },
  { name: 'through tsx (npm run dev)', args: TSX },
];
/**
 * Seconds after "ready" at which resident memory is read. The first reading is what earlier runs
 * reported as idle; V8's memory reducer shrinks the heap grown during start only some seconds later
 * (5–9 s after ready in scratch runs of the sandbox: RSS 111–124 MB before, 98–102 MB after, the heap
 * 43 MB before and 31 MB after), so the idle figure, the one with the target, is the second reading.
 */
const readingSeconds = (quick: boolean) => (quick ? { early: 3, idle: 12 } : { early: 5, idle: 20 });

interface Started {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts one way in a process group of its own and waits for the bot's "ready" line. Stopping
 * signals the whole group, as Ctrl-C in a terminal does: npm runs its script through `sh -c`,
 * which does not pass a SIGTERM sent to npm alone on to the bot.
 */
async function start(way: Way, env: Record<string, string>, timeoutMs = 20_000): Promise<Started> {
  const proc = spawn(process.execPath, way.args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      npm_config_update_notifier: 'false',
      ...env,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const stop = async () => {
    try {
      process.kill(-proc.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = out.split('\n').find((l) => l.includes('"incident-bot ready"'));
    if (ready) return { proc, url: `http://127.0.0.1:${(JSON.parse(ready) as { port: number }).port}`, stop };
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${way.name}: the bot did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resident memory of one process, from /proc (Linux); undefined elsewhere. */
function rssMbOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

const SECRET = 'bench-footprint-secret';
const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ')[1]);
};

export const footprint: Suite = {
  name: 'footprint',
  async run({ quick }) {
    const pagesInStorm = quick ? 50 : 500;
    const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-fp-'));
    const slack = await new FakeSlack({ users: BENCH_USERS }).start();
    const pd = await new FakePagerDuty({
      users: BENCH_PD_USERS,
    }).start();
    const env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
      CONFIG_PATH: '',
      DATABASE_PATH: join(dir, 'fp.db'),
      PAGERDUTY_TOKEN: pd.token,
      PAGERDUTY_FROM: 'bot@example.com',
      PAGERDUTY_API_URL: pd.url,
      PAGERDUTY_WEBHOOK_SECRETS: SECRET,
      // The fake enforces no rate limits: the storm's 500 rooms measure memory, not Slack's pace.
      SLACK_RATE_SCALE: '100000',
    };
    // The build `npm ci` made (prepare); built here only when src/ changed since.
    execFileSync(process.execPath, ['scripts/build.js', '--if-needed'], { cwd: ROOT, stdio: 'ignore' });
    const figures: Figure[] = [];
    try {
      for (const way of WAYS) {
        const starts: number[] = [];
        for (let i = 0; i < (quick ? 2 : 5); i++) {
          const t0 = performance.now();
          const child = await start(way, way.sandbox ? { PORT: '0' } : env);
          starts.push(performance.now() - t0);
          try {
            if (i === 0) {
              const at = readingSeconds(quick);
              const rss = async () => (await metric(child.url, 'incident_bot_process_resident_memory_bytes')) / 2 ** 20;
              await new Promise((r) => setTimeout(r, at.early * 1000));
              const early = await rss();
              await new Promise((r) => setTimeout(r, (at.idle - at.early) * 1000));
              const idle = await rss();
              const npm = way.viaNpm ? rssMbOf(child.proc.pid!) : undefined;
              figures.push(summarise('footprint', `RSS ${at.early} s after ready, ${way.name}`, 'MB', [early], '—'), {
                ...summarise('footprint', `idle RSS ${at.idle} s after ready, ${way.name}`, 'MB', [idle], '< 120 MB'),
                ...(npm === undefined
                  ? {}
                  : { note: `the bot; npm's own process holds ${npm.toFixed(0)} MB beside it` }),
              });
            }
          } finally {
            await child.stop();
          }
        }
        figures.push(summarise('footprint', `cold start to ready, ${way.name}`, 'ms', starts, '< 1.5 s'));
      }
      const bot = await start(WAYS[2]!, env);
      try {
        for (let i = 0; i < pagesInStorm; i++) {
          const page = pd.createIncident({
            title: `Footprint ${i}`,
            assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }],
          });
          const body = JSON.stringify(webhookBody('incident.triggered', incidentData(page), { id: `FP-${i}` }));
          await fetch(`${bot.url}/webhooks/pagerduty`, {
            method: 'POST',
            body,
            headers: {
              'content-type': 'application/json',
              'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET]),
            },
          });
        }
        while (
          (await metric(bot.url, 'incident_bot_outbox_depth')) > 0 ||
          [...slack.ws.channels.values()].length < pagesInStorm
        )
          await new Promise((r) => setTimeout(r, 100));
        const after = await metric(bot.url, 'incident_bot_process_resident_memory_bytes');
        figures.push(
          summarise(
            'footprint',
            `RSS after a storm of ${pagesInStorm} pages turned into channels, ${WAYS[2]!.name}`,
            'MB',
            [after / 2 ** 20],
            '—',
          ),
        );
        return figures;
      } finally {
        await bot.stop();
      }
    } finally {
      await slack.stop();
      await pd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
