import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type RunningApp } from '../app/start-app.ts';
import { loadConfig } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';
import { GENERAL, SANDBOX_PD_USERS, SANDBOX_USERS } from './cast.ts';
import { sandboxRoutes } from './console/routes.ts';
import { SandboxConsole } from './console/console.ts';
import { FakeGitHub } from './fake-github/server.ts';
import { FakePagerDuty } from './fake-pagerduty/server.ts';
import { FakeSlack } from './fake-slack/server.ts';

const SETTINGS = fileURLToPath(new URL('../../templates/sandbox/settings.yaml', import.meta.url));
/** The sandbox signs as anyone: it must never be reachable from another machine. */
const HOST = '127.0.0.1';
const PRIVATE_DECLARER = 'U0DAVID01';

export interface RunningSandbox {
  app: RunningApp;
  url: string;
  slack: FakeSlack;
  pagerduty: FakePagerDuty;
  github: FakeGitHub;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1, so that links the bot posts name the port it really listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the real bot against in-process fakes of Slack, PagerDuty and GitHub, over HTTP on
 * 127.0.0.1, with a fresh database in a temporary directory: nothing of a real deployment (its
 * database, its settings) is read or written, and everything is forgotten on stop.
 */
export async function startSandbox(
  env: Record<string, string | undefined>,
  log: Logger,
  opts: { logDropped?: () => number } = {},
): Promise<RunningSandbox> {
  const slack = await new FakeSlack({ users: SANDBOX_USERS }).start();
  const pagerduty = await new FakePagerDuty({ users: SANDBOX_PD_USERS }).start();
  const github = await new FakeGitHub().start();
  slack.ws.channels.set(GENERAL.id, {
    ...GENERAL,
    created: Math.floor(Date.now() / 1000),
    creator: SANDBOX_USERS[0]!.id,
    is_private: false,
    is_archived: false,
    topic: 'Company-wide announcements and work-based matters',
    members: new Set([...SANDBOX_USERS.map((u) => u.id), slack.ws.bot.id]),
  });
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-sandbox-'));
  const webhookSecret = randomBytes(24).toString('hex');
  const requested = Number(env.PORT?.trim() || 3000);
  const port = Number.isInteger(requested) && requested > 0 ? requested : await freePort();
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  github.htmlUrl = `${publicUrl.replace(/\/+$/, '')}/sandbox/github`;
  slack.clientUrl = `${publicUrl.replace(/\/+$/, '')}/sandbox`;
  const config = loadConfig({
    PORT: String(port),
    LOG_LEVEL: env.LOG_LEVEL,
    PUBLIC_URL: publicUrl,
    DATABASE_PATH: join(dir, 'sandbox.db'),
    CONFIG_PATH: SETTINGS,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    SLACK_API_URL: slack.url,
    PAGERDUTY_TOKEN: pagerduty.token,
    PAGERDUTY_FROM: 'incident-bot@example.com',
    PAGERDUTY_API_URL: pagerduty.url,
    PAGERDUTY_WEBHOOK_SECRETS: webhookSecret,
    GITHUB_TOKEN: github.token,
    GITHUB_REPO: `${github.owner}/${github.repo}`,
    GITHUB_API_URL: github.url,
  });
  // The console reaches the bot only over HTTP, signed, once the bot is listening.
  const sandboxConsole = new SandboxConsole({
    slack,
    pagerduty,
    github,
    signingSecret: config.slack.signingSecret,
    log: log.child({ source: 'sandbox' }),
  });
  const app = await startApp(config, {
    logger: log,
    host: HOST,
    extraRoutes: sandboxRoutes(sandboxConsole),
    logDropped: opts.logDropped,
  });
  sandboxConsole.connect(`http://${HOST}:${app.port}`);
  // Slack's events (people joining incident channels, opening the Home tab) reach the bot signed, as in a workspace.
  slack.events.requestUrl = {
    url: `http://${HOST}:${app.port}/slack/events`,
    signingSecret: config.slack.signingSecret,
  };
  pagerduty.subscribe(`http://${HOST}:${app.port}/webhooks/pagerduty`, [webhookSecret]);
  // One private incident from the start, declared by david: its channel shows a lock to its people and
  // is missing from everyone else's list, as in Slack.
  await sandboxConsole.command(PRIVATE_DECLARER, GENERAL.id, 'declare --private Suspicious admin logins sev3');

  const stop = async () => {
    await app.stop();
    await Promise.all([slack.stop(), pagerduty.stop(), github.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, url: `http://localhost:${app.port}`, slack, pagerduty, github, stop };
}

const BANNER = [
  'SANDBOX MODE: no credentials are set, so nothing here is real.',
  'Slack, PagerDuty and GitHub are local fakes inside this process;',
  'the database is temporary and forgotten when the bot stops.',
  'Listening on 127.0.0.1 only.',
];

/** What `npm start` prints in sandbox mode: loud, because nothing here talks to a real Slack. */
export function sandboxBanner(url: string): string {
  const width = Math.max(...BANNER.map((l) => l.length)) + 2;
  return [
    '',
    `  ┌${'─'.repeat(width)}┐`,
    ...BANNER.map((l) => `  │ ${l.padEnd(width - 1)}│`),
    `  └${'─'.repeat(width)}┘`,
    '',
    `  Open ${url}/sandbox   (status page: ${url}/status)`,
    '  To connect a real Slack, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (README.md).',
    '',
  ].join('\n');
}
