import { ConfigError } from '../config/config.ts';

/**
 * The variables that connect the bot to a real Slack, PagerDuty, GitHub or Statuspage. With none of
 * them set the bot can only be a sandbox; with some of them it is meant to be real, and the
 * missing ones are named (by `loadConfig`) rather than quietly replaced by fakes.
 */
const CREDENTIAL_VARS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'PAGERDUTY_TOKEN',
  'PAGERDUTY_FROM',
  'PAGERDUTY_WEBHOOK_SECRETS',
  'GITHUB_TOKEN',
  'GITHUB_REPO',
  'STATUSPAGE_API_KEY',
  'STATUSPAGE_PAGE_ID',
] as const;

export type StartMode = 'sandbox' | 'configured';

/**
 * How `start` runs. A production deployment whose secrets failed to arrive must not come up as a
 * toy that accepts anyone's slash commands: with NODE_ENV=production it refuses instead.
 */
export function startMode(env: Record<string, string | undefined>): StartMode {
  const anySet = CREDENTIAL_VARS.some((name) => Boolean(env[name]?.trim()));
  if (anySet) return 'configured';
  if (env.NODE_ENV?.trim() === 'production') {
    throw new ConfigError([
      'NODE_ENV is production but no credentials are set: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) are needed to connect to Slack. The local sandbox (no credentials) is refused in production.',
    ]);
  }
  return 'sandbox';
}
