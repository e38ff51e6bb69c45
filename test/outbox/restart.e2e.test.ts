import { openTestDatabase } from '../helpers/test-database.ts';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { startChildBot } from '../helpers/child-bot.ts';
import { ALICE, SIGNING_SECRET, eventually, startTestBot, tempDir, testEnv } from '../helpers/test-bot.ts';

const EFFECT_METHODS = [
  'conversations.create',
  'conversations.invite',
  'conversations.setTopic',
  'chat.postMessage',
  'pins.add',
];

describe('the outbox across restarts', () => {
  let slack: FakeSlack;
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    tmp = tempDir();
    slack = await new FakeSlack({ users: [ALICE] }).start();
  });
  afterEach(async () => {
    await slack.stop();
    tmp.cleanup();
  });

  it('delivers the rest exactly once after the process is SIGKILLed mid-delivery', { timeout: 60_000 }, async () => {
    const dbPath = join(tmp.dir, 'bot.db');
    const env = { ...testEnv(slack, dbPath), PORT: '0' };
    slack.inject('chat.postMessage', { hang: true });
    const held = new Promise((resolve) => slack.once('hang', resolve));

    const first = await startChildBot(env);
    const body = slashCommandBody({ text: 'declare Payments API down sev2', userId: ALICE.id, channelId: 'C0GENERAL' });
    const res = await fetch(`${first.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
    });
    expect(res.status).toBe(200);
    await held; // the summary post is on the wire, unanswered
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    const db = openTestDatabase(dbPath);
    expect(db.prepare('SELECT kind, state FROM outbox ORDER BY id').all()).toEqual([
      { kind: 'channel.create', state: 'delivered' },
      { kind: 'channel.invite', state: 'delivered' },
      { kind: 'channel.set_topic', state: 'delivered' },
      { kind: 'channel.post_summary', state: 'pending' },
      { kind: 'channel.pin_summary', state: 'pending' },
      { kind: 'channel.notice', state: 'pending' },
    ]);
    db.close();

    const second = await startChildBot(env);
    try {
      // The summary's row is still claimed by the killed process: the new one, on the same host with the
      // old pid gone, knows it for its previous life and frees the claim at start. A limit, not a timing.
      await slack.waitFor((c) => c.method === 'pins.add' && c.ok, 30_000);
      await slack.waitFor((c) => c.method === 'chat.postMessage' && c.ok && String(c.args.text).includes('Commander'));
      for (const method of EFFECT_METHODS)
        expect(slack.succeeded(method), method).toHaveLength(method === 'chat.postMessage' ? 2 : 1);
      const channel = [...slack.ws.channels.values()][0]!;
      expect(slack.ws.channelMessages(channel.id).filter((m) => m.pinned)).toHaveLength(1);
      expect(slack.rejected).toEqual([]);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('keeps work queued while Slack is down through a stop, and delivers it on the next start', async () => {
    const dbPath = join(tmp.dir, 'bot.db');
    slack.inject('conversations.invite', ...Array.from({ length: 100 }, () => ({ status: 503 as const })));
    const first = await startTestBot(slack, dbPath);
    await first.command('declare Login broken sev1');
    await eventually(
      () => slack.calls.filter((c) => c.method === 'conversations.invite').length >= 2,
      5000,
      'invite retries',
    );
    await first.app.stop(0);

    slack.clearFaults();
    const second = await startTestBot(slack, dbPath);
    try {
      await slack.waitFor((c) => c.method === 'pins.add' && c.ok);
      await eventually(() => second.app.outbox.pendingStats().depth === 0, 5000, 'an empty outbox');
      for (const method of EFFECT_METHODS)
        expect(slack.succeeded(method), method).toHaveLength(method === 'chat.postMessage' ? 2 : 1);
      await eventually(() => second.app.outbox.pendingStats().depth === 0, 5000, 'an empty outbox');
    } finally {
      await second.app.stop(0);
    }
  });
});
