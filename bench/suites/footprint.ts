/**
 * Footprint of the real process (`incident-bot start` as a child): cold start to ready, resident
 * memory when idle, and after a storm of pages has been turned into channels. Read from its own
 * /metrics, as an operator would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { startChildBot } from '../../test/helpers/child-bot.ts';
import { BENCH_USERS } from '../lib/bot.ts';
import { SIGNING_SECRET } from '../lib/slack-command.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
      users: BENCH_USERS.map((u, i) => ({ id: `PBENCH${i}`, name: u.name, email: u.email })),
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
    };
    // From source through tsx (what `npm start` does), and compiled (`npm run build`, node dist/main.js).
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    const WAYS: [string, string[]][] = [
      ['npm start (tsx)', ['--import', 'tsx', 'src/main.ts', 'start']],
      ['node dist/main.js', ['dist/main.js', 'start']],
    ];
    const figures: Figure[] = [];
    try {
      for (const [way, args] of WAYS) {
        const starts: number[] = [];
        for (let i = 0; i < (quick ? 2 : 5); i++) {
          const t0 = performance.now();
          const child = await startChildBot(env, 20_000, args);
          starts.push(performance.now() - t0);
          if (i === 0) {
            await new Promise((r) => setTimeout(r, 1000));
            figures.push(
              summarise(
                'footprint',
                `idle RSS, ${way}`,
                'MB',
                [(await metric(child.url, 'incident_bot_process_resident_memory_bytes')) / 2 ** 20],
                '< 120 MB',
              ),
            );
          }
          child.proc.kill('SIGTERM');
          await child.exited;
        }
        figures.push(summarise('footprint', `cold start to ready, ${way}`, 'ms', starts, '< 1.5 s'));
      }
      const bot = await startChildBot(env, 20_000, WAYS[1]![1]);
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
            `RSS after a storm of ${pagesInStorm} pages turned into channels, node dist/main.js`,
            'MB',
            [after / 2 ** 20],
            '—',
          ),
        );
        return figures;
      } finally {
        bot.proc.kill('SIGTERM');
        await bot.exited;
      }
    } finally {
      await slack.stop();
      await pd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
