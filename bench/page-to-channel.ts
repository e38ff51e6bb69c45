/**
 * Page → staffed channel latency: a signed PagerDuty trigger to the real bot, until the channel is
 * created, responders invited and the summary pinned, against zero-latency fakes on 127.0.0.1.
 * Also the webhook's own response time. Run: npm run bench (add -- --quick for fewer samples).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { FakePagerDuty } from '../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../src/sandbox/fake-slack/server.ts';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 30 : 200;
const SECRET = 'bench-secret';

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-'));
  const users = Array.from({ length: 4 }, (_, i) => ({ id: `U0BENCH0${i}`, name: `u${i}`, email: `u${i}@example.com` }));
  const slack = await new FakeSlack({ users }).start();
  const pd = await new FakePagerDuty({ users: users.map((u, i) => ({ id: `PBENCH${i}`, name: u.name, email: u.email })) }).start();
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 'x', SLACK_API_URL: slack.url, PORT: '0', LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dir, 'bench.db'), PAGERDUTY_TOKEN: pd.token, PAGERDUTY_FROM: 'bot@example.com',
    PAGERDUTY_API_URL: pd.url, PAGERDUTY_WEBHOOK_SECRETS: SECRET,
  });
  const app = await startApp(config, { logger: createLogger('silent'), host: '127.0.0.1' });
  pd.subscribe(`${app.url}/webhooks/pagerduty`, [SECRET]);

  const ack: number[] = [];
  const staffed: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const page = pd.createIncident({ title: `Bench page ${i}`, assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }] });
    const pinned = slack.waitFor((c) => c.method === 'pins.add' && c.ok && slack.ws.channels.get(String(c.args.channel))?.name.includes(`bench-page-${i}`) === true, 10_000);
    const t0 = performance.now();
    const res = await pd.trigger(page);
    ack.push(performance.now() - t0);
    if (res.status !== 202) throw new Error(`trigger answered ${res.status}`);
    await pinned;
    staffed.push(performance.now() - t0);
  }
  await app.stop();
  await slack.stop();
  await pd.stop();
  rmSync(dir, { recursive: true, force: true });

  const row = (name: string, xs: number[], target: string) =>
    `| ${name} | ${xs.length} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ${target} |`;
  console.log(`\nNode ${process.version}, ${quick ? 'quick' : 'full'} run, fakes on 127.0.0.1 with zero latency\n`);
  console.log('| measure | n | p50 ms | p99 ms | max ms | target |');
  console.log('|---|---|---|---|---|---|');
  console.log(row('webhook → 202', ack, '—'));
  console.log(row('page → channel + invites + pinned summary', staffed, 'p50 < 50 ms'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
