/**
 * One replica of the storm suite's three, in a process of its own, as replicas run on hosts of their
 * own: a replica's PostgreSQL statement blocks its own process (sync-pg-client.ts), not the other
 * replicas. It stores in BENCH_BOT_DATABASE_URL; its one argument is JSON: the shared fake Slack and
 * fake PagerDuty, the webhook secret and Slack's time scale. Prints `{ url }` when ready; stops on
 * SIGTERM.
 */
import { benchBot, storageFromEnv } from '../lib/bot.ts';

export interface StormReplicaArgs {
  slack: { url: string; token: string };
  pagerduty: { url: string; token: string };
  secret: string;
  scale: number;
}

const args = JSON.parse(process.argv[2]!) as StormReplicaArgs;
const bot = await benchBot(
  {
    PAGERDUTY_TOKEN: args.pagerduty.token,
    PAGERDUTY_FROM: 'bot@example.com',
    PAGERDUTY_API_URL: args.pagerduty.url,
    PAGERDUTY_WEBHOOK_SECRETS: args.secret,
    ...storageFromEnv(),
  },
  undefined,
  args.slack,
  { slackRateScale: args.scale },
);
process.stdout.write(`${JSON.stringify({ url: bot.app.url })}\n`);
process.once('SIGTERM', () => void bot.stop().then(() => process.exit(0)));
