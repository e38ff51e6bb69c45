import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { manifestBotEvents, manifestBotScopes } from '../../src/sandbox/fake-slack/scopes.ts';
import { ALICE, BOB, eventually } from '../helpers/test-bot.ts';

const SECRET = 'events-signing-secret';

interface Received {
  event: Record<string, unknown>;
  retry: string | undefined;
}

/** An app's Request URL: checks Slack's signature on every event and answers with `status` (200 unless changed). */
async function requestUrl() {
  const received: Received[] = [];
  const app = { status: 200, received, url: '', server: undefined as unknown as Server };
  app.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signed = isValidSlackRequest({
        signingSecret: SECRET,
        body,
        headers: {
          'x-slack-signature': String(req.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
        },
      });
      if (!signed) return void res.writeHead(401).end();
      const parsed = JSON.parse(body) as { type: string; event: Record<string, unknown> };
      expect(parsed.type).toBe('event_callback');
      received.push({ event: parsed.event, retry: req.headers['x-slack-retry-num'] as string | undefined });
      res.writeHead(app.status).end();
    });
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/slack/events`;
  return app;
}

describe('the fake Slack sends the app events, as Slack does', () => {
  let slack: FakeSlack;
  let app: Awaited<ReturnType<typeof requestUrl>>;
  const start = async (opts: ConstructorParameters<typeof FakeSlack>[0] = {}) => {
    slack = await new FakeSlack({ users: [ALICE, BOB], ...opts }).start();
    slack.events.requestUrl = { url: app.url, signingSecret: SECRET };
  };
  beforeEach(async () => {
    app = await requestUrl();
  });
  afterEach(async () => {
    await slack?.stop();
    await new Promise((resolve) => app.server.close(resolve));
  });

  const call = async (method: string, args: Record<string, string>) => {
    const res = await fetch(`${slack.url}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
    });
    return (await res.json()) as Record<string, unknown> & { channel?: { id: string } };
  };
  const types = () => app.received.map((r) => `${String(r.event.type)} ${String(r.event.user)}`);

  it('subscribes to the membership events of incident channels in the manifest', () => {
    expect(manifestBotEvents()).toEqual(expect.arrayContaining(['member_joined_channel', 'member_left_channel']));
    // Slack sends membership events of private channels only to apps with groups:read.
    expect(manifestBotScopes()).toContain('groups:read');
  });

  it('member_joined_channel for the creator and for whoever the bot invites, signed, with the inviter', async () => {
    await start();
    const { channel } = await call('conversations.create', { name: 'inc-secret', is_private: 'true' });
    await call('conversations.invite', { channel: channel!.id, users: `${ALICE.id},${BOB.id}` });
    await eventually(() => app.received.length === 3, 5_000, 'three events');
    expect(app.received.map((r) => r.event)).toEqual([
      expect.objectContaining({ type: 'member_joined_channel', user: slack.ws.bot.id, channel: channel!.id }),
      expect.objectContaining({
        type: 'member_joined_channel',
        user: ALICE.id,
        channel: channel!.id,
        channel_type: 'G',
        team: slack.ws.teamId,
        inviter: slack.ws.bot.id,
      }),
      expect.objectContaining({ type: 'member_joined_channel', user: BOB.id, inviter: slack.ws.bot.id }),
    ]);
  });

  it('a person joining, being added or leaving: sent for channels the bot is in, never for others', async () => {
    await start();
    const { channel } = await call('conversations.create', { name: 'inc-a' });
    const ours = slack.ws.channels.get(channel!.id)!;
    slack.ws.channels.set('C0ELSEWHERE', { ...ours, id: 'C0ELSEWHERE', name: 'elsewhere', members: new Set() });
    const elsewhere = slack.ws.channels.get('C0ELSEWHERE')!;

    expect(slack.ws.join(ours, ALICE.id)).toBe(true);
    expect(slack.ws.join(ours, ALICE.id)).toBe(false); // already there: Slack says nothing
    slack.ws.join(ours, BOB.id, ALICE.id);
    slack.ws.join(elsewhere, BOB.id);
    expect(slack.ws.leave(ours, BOB.id)).toBe(true);
    slack.ws.leave(elsewhere, BOB.id);
    await eventually(() => app.received.length === 4, 5_000, 'four events');
    await new Promise((r) => setTimeout(r, 100));
    expect(types()).toEqual([
      `member_joined_channel ${slack.ws.bot.id}`,
      `member_joined_channel ${ALICE.id}`,
      `member_joined_channel ${BOB.id}`,
      `member_left_channel ${BOB.id}`,
    ]);
    expect(app.received[2]!.event).toMatchObject({ inviter: ALICE.id, channel_type: 'C' });
    expect(app.received[1]!.event).not.toHaveProperty('inviter');
  });

  it('sends nothing the app did not subscribe to, nor about a private channel without groups:read', async () => {
    await start({
      scopes: manifestBotScopes().filter((s) => s !== 'groups:read'),
      botEvents: ['member_joined_channel'],
    });
    const { channel: secret } = await call('conversations.create', { name: 'inc-s', is_private: 'true' });
    const { channel: open } = await call('conversations.create', { name: 'inc-o' });
    slack.ws.join(slack.ws.channels.get(secret!.id)!, ALICE.id);
    slack.ws.join(slack.ws.channels.get(open!.id)!, ALICE.id);
    slack.ws.leave(slack.ws.channels.get(open!.id)!, ALICE.id);
    await eventually(() => app.received.length >= 2, 5_000, 'the public channel events');
    await new Promise((r) => setTimeout(r, 200));
    expect(app.received.map((r) => r.event.channel)).toEqual([open!.id, open!.id]);
    expect(types()).toEqual([`member_joined_channel ${slack.ws.bot.id}`, `member_joined_channel ${ALICE.id}`]);
  });

  it('retries an event the app did not take, saying which retry it is', async () => {
    await start();
    app.status = 500;
    const { channel } = await call('conversations.create', { name: 'inc-r' });
    await eventually(() => app.received.length === 1, 5_000, 'the creator joining');
    app.status = 200; // the retry comes after a pause
    const settled = await slack.eventSettled((e) => e.event.channel === channel!.id);
    expect(settled).toMatchObject({ status: 200, attempts: 2, via: 'http' });
    expect(app.received.map((r) => r.retry)).toEqual([undefined, '1']);
  });

  it('app_home_opened when a person opens the Home tab', async () => {
    await start();
    slack.ws.openHome(ALICE.id);
    await eventually(() => app.received.length === 1, 5_000, 'the event');
    expect(app.received[0]!.event).toMatchObject({ type: 'app_home_opened', user: ALICE.id, tab: 'home' });
  });
});
