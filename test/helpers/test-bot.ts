import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppOptions, type RunningApp } from '../../src/app/start-app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { FakePagerDuty, type FakePdUser } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import type { FakeUser } from '../../src/sandbox/fake-slack/state.ts';
import { storageEnv } from './test-database.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import {
  blockActionBody,
  eventCallbackBody,
  viewSubmissionBody,
  type ViewValues,
} from '../../src/sandbox/slack-payloads.ts';
import { eventually } from './eventually.ts';
import type { LogOutput } from '../../src/lib/log-output.ts';

// Most tests take it with the bot; tests without a bot import it from its own file.
export { eventually };

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export const ALICE: FakeUser = { id: 'U0ALICE01', name: 'alice', email: 'alice@example.com' };
export const BOB: FakeUser = { id: 'U0BOB0001', name: 'bob', email: 'bob@example.com' };
export const CAROL: FakeUser = { id: 'U0CAROL01', name: 'carol', email: 'carol@example.com' };

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'incident-bot-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testEnv(
  slack: FakeSlack,
  databasePath: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    ...storageEnv(databasePath),
    CONFIG_PATH: '',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Slack's limits paced ×60, child-process bots included: tests need not wait minutes for a storm.
    SLACK_RATE_SCALE: '60',
    ...extra,
  };
}

export interface TestBot {
  app: RunningApp;
  config: Config;
  /** Sends a slash command signed as Slack signs it; resolves with the HTTP answer and how long it took. */
  command(
    text: string,
    opts?: { user?: string; channel?: string; timestamp?: number; secret?: string },
  ): Promise<{
    status: number;
    body: { response_type?: string; text?: string } | string;
    ms: number;
  }>;
  post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  /** A signed interactivity or Events API request, as Slack sends them. */
  slack(body: string, contentType?: string): Promise<{ status: number; text: string }>;
  click(
    actionId: string,
    value: string,
    opts: { user: string; channel: string },
  ): Promise<{ status: number; text: string }>;
  submit(
    callbackId: string,
    values: ViewValues,
    opts: { user: string; privateMetadata?: string },
  ): Promise<{ status: number; text: string }>;
  event(event: Record<string, unknown>, eventId?: string): Promise<{ status: number; text: string }>;
}

export async function startTestBot(
  slack: FakeSlack,
  databasePath: string,
  opts: {
    env?: Record<string, string>;
    worker?: { pollMs?: number; backoffBaseMs?: number; backoffMaxMs?: number; maxYieldMs?: number };
    now?: () => number;
    processEnv?: Record<string, string>;
    logTo?: string[];
    /** Where its log goes instead (a reader that falls behind), and so what its metrics count as dropped. */
    logOutput?: LogOutput;
    storage?: AppOptions['storage'];
    /** Slack's limits compressed in time, as the fake's `tiers.scale` (default ×60: tests need not wait minutes). */
    slackRateScale?: number;
    /** Its name among replicas on one database (two bots in one test process otherwise share host and pid). */
    replicaId?: string;
  } = {},
): Promise<TestBot> {
  const config = loadConfig(testEnv(slack, databasePath, opts.env));
  const lines = opts.logTo;
  const app = await startApp(config, {
    logger: lines
      ? createLogger('trace', { write: (line: string) => void lines.push(line) })
      : createLogger(opts.logOutput ? 'info' : config.logLevel, opts.logOutput),
    logDropped: opts.logOutput?.dropped,
    host: '127.0.0.1',
    now: opts.now,
    worker: { pollMs: 50, backoffBaseMs: 20, backoffMaxMs: 200, ...opts.worker },
    processEnv: opts.processEnv,
    storage: opts.storage,
    slackRateScale: opts.slackRateScale,
    replicaId: opts.replicaId,
  });
  // Slack's Events API: what happens in the workspace reaches the bot at its Request URL, signed.
  slack.events.requestUrl = { url: `${app.url}/slack/events`, signingSecret: SIGNING_SECRET };
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', body, headers });
    return { status: res.status, text: await res.text() };
  };
  const signedSlack = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    post('/slack/events', body, { 'content-type': contentType, ...slackSignatureHeaders(SIGNING_SECRET, body) });
  return {
    app,
    config,
    post,
    slack: signedSlack,
    click: (actionId, value, o) => signedSlack(blockActionBody({ actionId, value, user: o.user, channel: o.channel })),
    submit: (callbackId, values, o) =>
      signedSlack(viewSubmissionBody({ callbackId, values, user: o.user, privateMetadata: o.privateMetadata })),
    event: (event, eventId) => signedSlack(eventCallbackBody(event, eventId), 'application/json'),
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

export interface Harness {
  slack: FakeSlack;
  bot: TestBot;
  dbPath: string;
  /** Present with `pagerduty: true`: subscribed to the bot's webhook, signing with WEBHOOK_SECRET. */
  pd: FakePagerDuty;
  /** With `clock: true` the bot's clock: set `clock.now` to move time. */
  clock: { now: number };
  /** With `logs: true` every log line the bot wrote (at trace level and up). */
  logs: string[];
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
  opts: {
    users?: FakeUser[];
    env?: Record<string, string>;
    scope?: 'each' | 'all';
    pagerduty?: boolean;
    settings?: string;
    clock?: boolean;
    processEnv?: Record<string, string>;
    logs?: boolean;
    /** How the bot reads its volume's free space and how often it probes after a storage error. */
    storage?: AppOptions['storage'];
  } = {},
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
    // Without `clock: true` the harness clock is just the real one.
    h.clock = opts.clock
      ? { now: Date.now() }
      : Object.defineProperty({} as { now: number }, 'now', { get: () => Date.now() });
    h.logs = [];
    h.bot = await startTestBot(h.slack, h.dbPath, {
      env,
      now: opts.clock ? () => h.clock.now : undefined,
      processEnv: opts.processEnv,
      logTo: opts.logs ? h.logs : undefined,
      storage: opts.storage,
    });
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

/** Waits until the bot has nothing due to deliver and nothing in flight. */
export const settled = (app: RunningApp, now: () => number = Date.now) =>
  eventually(() => app.outbox.dueDepth(now()) === 0 && app.worker.inFlightCount === 0, 10_000, 'a settled outbox');

/** Declares an incident from Slack and waits for its room; returns the incident and its channel id. */
export async function declared(h: Harness, text: string, user = ALICE.id) {
  const res = await h.bot.command(`declare ${text}`, { user });
  const id = Number(/#(\d+)/.exec((res.body as { text: string }).text)?.[1]);
  const incident = await eventually(
    () => {
      const i = h.bot.app.incidents.get(id);
      return i?.summaryTs && h.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    },
    10_000,
    `incident ${id} room`,
  );
  await settled(h.bot.app, () => h.clock.now);
  return { incident, channel: incident.channelId! };
}
