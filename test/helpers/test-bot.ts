import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { FakePagerDuty, type FakePdUser } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import type { FakeUser } from '../../src/sandbox/fake-slack/state.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export const ALICE: FakeUser = { id: 'U0ALICE01', name: 'alice', email: 'alice@example.com' };
export const BOB: FakeUser = { id: 'U0BOB0001', name: 'bob', email: 'bob@example.com' };
export const CAROL: FakeUser = { id: 'U0CAROL01', name: 'carol', email: 'carol@example.com' };

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testEnv(slack: FakeSlack, databasePath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    DATABASE_PATH: databasePath,
    CONFIG_PATH: '',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...extra,
  };
}

export interface TestBot {
  app: RunningApp;
  config: Config;
  /** Sends a slash command signed as Slack signs it; resolves with the HTTP answer and how long it took. */
  command(text: string, opts?: { user?: string; channel?: string; timestamp?: number; secret?: string }): Promise<{
    status: number;
    body: { response_type?: string; text?: string } | string;
    ms: number;
  }>;
  post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
}

export async function startTestBot(
  slack: FakeSlack,
  databasePath: string,
  opts: { env?: Record<string, string>; worker?: { pollMs?: number; backoffBaseMs?: number; backoffMaxMs?: number } } = {},
): Promise<TestBot> {
  const config = loadConfig(testEnv(slack, databasePath, opts.env));
  const app = await startApp(config, {
    logger: createLogger(config.logLevel),
    host: '127.0.0.1',
    worker: { pollMs: 50, backoffBaseMs: 20, backoffMaxMs: 200, ...opts.worker },
  });
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', body, headers });
    return { status: res.status, text: await res.text() };
  };
  return {
    app,
    config,
    post,
    async command(text, o = {}) {
      const body = slashCommandBody({ text, userId: o.user ?? ALICE.id, channelId: o.channel ?? 'C0GENERAL' });
      const started = performance.now();
      const res = await post('/slack/events', body, {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignatureHeaders(o.secret ?? SIGNING_SECRET, body, o.timestamp),
      });
      const ms = performance.now() - started;
      let parsed: { response_type?: string; text?: string } | string = res.text;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        // Bolt answers an empty ack with an empty body.
      }
      return { status: res.status, body: parsed, ms };
    },
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Harness {
  slack: FakeSlack;
  bot: TestBot;
  dbPath: string;
  /** Present with `pagerduty: true`: subscribed to the bot's webhook, signing with WEBHOOK_SECRET. */
  pd: FakePagerDuty;
}

export const WEBHOOK_SECRET = 'pd-webhook-secret-current';
export const PD_ALICE: FakePdUser = { id: 'PALICE1', name: 'Alice Anders', email: ALICE.email };
export const PD_BOB: FakePdUser = { id: 'PBOB001', name: 'Bob Berg', email: BOB.email };
export const PD_CAROL: FakePdUser = { id: 'PCAROL1', name: 'Carol Chen', email: CAROL.email };
export const PD_DAVE: FakePdUser = { id: 'PDAVE01', name: 'Dave NoSlack', email: 'dave@elsewhere.example' };

/** Env that points the bot at a fake PagerDuty. */
export function pagerDutyEnv(pd: FakePagerDuty): Record<string, string> {
  return {
    PAGERDUTY_TOKEN: pd.token,
    PAGERDUTY_FROM: 'bot@example.com',
    PAGERDUTY_API_URL: pd.url,
    PAGERDUTY_WEBHOOK_SECRETS: `old-secret-being-rotated-out,${WEBHOOK_SECRET}`,
  };
}

/**
 * Registers hooks that start a fake Slack and a bot on a fresh database around each test (or once
 * for the file, with `scope: 'all'`), and returns the live handles.
 */
export function useBot(
  opts: { users?: FakeUser[]; env?: Record<string, string>; scope?: 'each' | 'all'; pagerduty?: boolean; settings?: string } = {},
): Harness {
  const h = {} as Harness;
  let tmp: ReturnType<typeof tempDir>;
  const [before, after] = opts.scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    tmp = tempDir();
    h.dbPath = join(tmp.dir, 'bot.db');
    h.slack = await new FakeSlack({ users: opts.users ?? [ALICE, BOB, CAROL] }).start();
    const env: Record<string, string> = { ...opts.env };
    if (opts.settings) {
      writeFileSync(join(tmp.dir, 'settings.yaml'), opts.settings);
      env.CONFIG_PATH = join(tmp.dir, 'settings.yaml');
    }
    if (opts.pagerduty) {
      h.pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL, PD_DAVE] }).start();
      Object.assign(env, pagerDutyEnv(h.pd));
    }
    h.bot = await startTestBot(h.slack, h.dbPath, { env });
    h.pd?.subscribe(`${h.bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
  });
  after(async () => {
    await h.bot.app.stop(0);
    await h.slack.stop();
    await h.pd?.stop();
    tmp.cleanup();
  });
  return h;
}
