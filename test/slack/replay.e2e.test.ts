import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { startRetentionJob } from '../../src/scheduler/retention.ts';
import { SLACK_SIGNATURE_WINDOW_MS } from '../../src/slack/request-guard.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { eventCallbackBody } from '../../src/sandbox/slack-payloads.ts';
import {
  ALICE,
  BOB,
  SIGNING_SECRET,
  declared,
  eventually,
  settled,
  startTestBot,
  tempDir,
  useBot,
  type TestBot,
} from '../helpers/test-bot.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const incidentCount = (bot: TestBot) => bot.app.db.prepare('SELECT count(*) FROM incidents').pluck().get() as number;

/** A slash command as Slack signed it once: the exact bytes an eavesdropper or a proxy could send again. */
const signedDeclare = (title: string, timestamp = nowSeconds()) => {
  const body = slashCommandBody({ text: `declare ${title}`, userId: ALICE.id, channelId: 'C0GENERAL' });
  return { body, headers: { ...FORM, ...slackSignatureHeaders(SIGNING_SECRET, body, timestamp) } };
};

describe('a Slack request sent again', () => {
  const h = useBot();

  it('is acknowledged with 200 and not acted on: one incident, not two', async () => {
    const request = signedDeclare('Replayed checkout outage');
    const first = await h.bot.post('/slack/events', request.body, request.headers);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Declared incident #1');
    const again = await h.bot.post('/slack/events', request.body, request.headers);
    expect(again.status).toBe(200);
    expect(again.text).toBe('');
    await eventually(() => h.bot.app.incidents.get(1)?.summaryTs, 10_000, 'the first incident to open');
    await settled(h.bot.app);
    expect(incidentCount(h.bot)).toBe(1);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
  });

  it('is not acted on when the same request arrives twice at once', async () => {
    const request = signedDeclare('Raced outage');
    const answers = await Promise.all([1, 2, 3].map(() => h.bot.post('/slack/events', request.body, request.headers)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await settled(h.bot.app);
    expect(incidentCount(h.bot)).toBe(1);
  });

  it('is refused (401), not acted on again, when its signature header is dressed up (a trailing "=…", which Bolt ignores)', async () => {
    const request = signedDeclare('Dressed-up replay');
    expect((await h.bot.post('/slack/events', request.body, request.headers)).status).toBe(200);
    const signature = (request.headers as Record<string, string>)['x-slack-signature'];
    for (const variant of [`${signature}=`, `${signature}=x`, `${signature}=v0=again`]) {
      const again = await h.bot.post('/slack/events', request.body, {
        ...request.headers,
        'x-slack-signature': variant,
      });
      expect(again.status).toBe(401);
      expect(again.text).not.toContain('Declared incident');
    }
    await settled(h.bot.app);
    expect(incidentCount(h.bot)).toBe(1);
  });

  it('still reaches the bot when it is a new request with the same text (Slack signs each one anew)', async () => {
    await h.bot.command('declare Same words', { timestamp: nowSeconds() - 2 });
    await h.bot.command('declare Same words', { timestamp: nowSeconds() });
    await settled(h.bot.app);
    expect(incidentCount(h.bot)).toBe(2);
  });

  it('records a retried event once: Slack re-sends it with x-slack-retry-num and a fresh signature', async () => {
    const { incident, channel } = await declared(h, 'Pinned twice');
    const m = h.slack.ws.postAs(BOB.id, channel, 'the cause');
    const body = eventCallbackBody(
      {
        type: 'pin_added',
        user: ALICE.id,
        channel_id: channel,
        item: { type: 'message', channel, message: { text: m.text, user: BOB.id, ts: m.ts } },
      },
      'EvRETRIED1',
    );
    const json = { 'content-type': 'application/json' };
    const first = await h.bot.post('/slack/events', body, {
      ...json,
      ...slackSignatureHeaders(SIGNING_SECRET, body, nowSeconds() - 3),
    });
    const retry = await h.bot.post('/slack/events', body, {
      ...json,
      ...slackSignatureHeaders(SIGNING_SECRET, body, nowSeconds()),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await settled(h.bot.app);
    const pinned = h.bot.app.db
      .prepare("SELECT count(*) FROM timeline_events WHERE incident_id = ? AND kind = 'message_pinned'")
      .pluck()
      .get(incident.id);
    expect(pinned).toBe(1);
  });
});

describe('a Slack request timestamp', () => {
  const h = useBot({ scope: 'all' });

  it('an hour in the future is refused like a bad signature, and changes nothing', async () => {
    const request = signedDeclare('From the future', nowSeconds() + 3600);
    const res = await h.bot.post('/slack/events', request.body, request.headers);
    expect(res.status).toBe(401);
    expect(incidentCount(h.bot)).toBe(0);
  });

  it('six minutes in the future is refused; a few seconds ahead (clock skew) is accepted', async () => {
    const ahead = signedDeclare('Six minutes ahead', nowSeconds() + 6 * 60);
    expect((await h.bot.post('/slack/events', ahead.body, ahead.headers)).status).toBe(401);
    const skewed = signedDeclare('Slightly ahead', nowSeconds() + 20);
    expect((await h.bot.post('/slack/events', skewed.body, skewed.headers)).status).toBe(200);
    await settled(h.bot.app);
    expect(incidentCount(h.bot)).toBe(1);
  });
});

describe('a Slack request replayed after the bot restarts on the same database', () => {
  let tmp: ReturnType<typeof tempDir>;
  let slack: FakeSlack;
  let bot: TestBot | undefined;
  beforeEach(async () => {
    tmp = tempDir();
    slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
  });
  afterEach(async () => {
    await bot?.app.stop(0);
    await slack.stop();
    tmp.cleanup();
  });

  it('is still acknowledged and not acted on', async () => {
    const dbPath = join(tmp.dir, 'bot.db');
    const request = signedDeclare('Before the restart');
    bot = await startTestBot(slack, dbPath);
    expect((await bot.post('/slack/events', request.body, request.headers)).status).toBe(200);
    await settled(bot.app);
    await bot.app.stop();

    bot = await startTestBot(slack, dbPath);
    const replay = await bot.post('/slack/events', request.body, request.headers);
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    await settled(bot.app);
    expect(incidentCount(bot)).toBe(1);
    expect(slack.succeeded('conversations.create')).toHaveLength(1);
  });
});

describe('seen Slack signatures', () => {
  const h = useBot();

  it('are forgotten by the retention job once their five minutes (and a minute of margin) have passed, not before', async () => {
    const seen = new SeenRequestRepository(h.bot.app.db);
    const t = Date.now();
    seen.firstSeen('slack', 'v0=old', t - 7 * 60_000);
    seen.firstSeen('slack', 'v0=recent', t - 5 * 60_000);
    const job = startRetentionJob(
      {
        outbox: h.bot.app.outbox,
        inbox: new InboxRepository(h.bot.app.db),
        seenRequests: seen,
        signatureWindowMs: SLACK_SIGNATURE_WINDOW_MS,
        retentionDays: 30,
        now: () => t,
      },
      createLogger('silent'),
    );
    try {
      expect(job.runOnce().requests).toBe(1);
    } finally {
      await job.stop();
    }
    expect(seen.firstSeen('slack', 'v0=old', t)).toBe(true);
    expect(seen.firstSeen('slack', 'v0=recent', t)).toBe(false);
  });
});
