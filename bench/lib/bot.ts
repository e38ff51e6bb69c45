import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppOptions, type RunningApp } from '../../src/app/start-app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { SIGNING_SECRET } from './slack-command.ts';

export const BENCH_USERS = Array.from({ length: 4 }, (_, i) => ({
  id: `U0BENCH0${i}`,
  name: `u${i}`,
  email: `u${i}@example.com`,
}));

/** The bench users as the fake PagerDuty knows them (`PBENCH0`…), with the same names and emails. */
export const BENCH_PD_USERS = BENCH_USERS.map((u, i) => ({ id: `PBENCH${i}`, name: u.name, email: u.email }));

/**
 * Where a bot stores, as benchBot's environment: the PostgreSQL database in BENCH_BOT_DATABASE_URL
 * when the suite that started this process set one (see postgres.ts), else the bot's SQLite file.
 */
export const storageFromEnv = (): Record<string, string> =>
  process.env.BENCH_BOT_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_BOT_DATABASE_URL } : {};

/**
 * The real bot on 127.0.0.1 against a zero-latency fake Slack, in a scratch directory. The fake
 * runs in this process unless `remoteSlack` names one running elsewhere. With DATABASE_URL in `env`
 * it stores in that PostgreSQL database and writes no SQLite file.
 */
export async function benchBot(
  env: Record<string, string> = {},
  databasePath?: string,
  remoteSlack?: { url: string; token: string },
  options: Pick<AppOptions, 'slackRateScale'> = {},
): Promise<{ app: RunningApp; slack: FakeSlack; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-'));
  const slack = remoteSlack
    ? new FakeSlack({ users: BENCH_USERS, token: remoteSlack.token })
    : await new FakeSlack({ users: BENCH_USERS }).start();
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: remoteSlack?.url ?? slack.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: databasePath ?? join(dir, 'bench.db'),
    // These fakes enforce no rate limits and the suites measure the bot's own cost: Slack's limits
    // compressed 100,000× leave the pacer nothing to wait for. The storm suite sets its own scale.
    SLACK_RATE_SCALE: '100000',
    ...env,
  });
  const app = await startApp(config, { logger: createLogger('silent'), host: '127.0.0.1', ...options });
  return {
    app,
    slack,
    dir,
    async stop() {
      await app.stop();
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type BenchBot = Awaited<ReturnType<typeof benchBot>>;

/** The secret the fake PagerDuty of `pagedBenchBot` signs its webhooks with. */
const PD_SECRET = 'bench-secret';

/**
 * `benchBot` paged by a fake PagerDuty on 127.0.0.1 that knows the bench users (`PBENCH0`…) and sends
 * the bot its webhooks, signed, as PagerDuty's subscriptions do.
 */
export async function pagedBenchBot(env: Record<string, string> = {}): Promise<{ pd: FakePagerDuty; bot: BenchBot }> {
  const pd = await new FakePagerDuty({ users: BENCH_PD_USERS }).start();
  try {
    const bot = await benchBot({
      PAGERDUTY_TOKEN: pd.token,
      PAGERDUTY_FROM: 'bot@example.com',
      PAGERDUTY_API_URL: pd.url,
      PAGERDUTY_WEBHOOK_SECRETS: PD_SECRET,
      ...env,
    });
    pd.subscribe(`${bot.app.url}/webhooks/pagerduty`, [PD_SECRET]);
    return { pd, bot };
  } catch (error) {
    await pd.stop();
    throw error;
  }
}
