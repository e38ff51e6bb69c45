import { describe, expect, it } from 'vitest';
import { BOB, eventually, useBot } from '../helpers/test-bot.ts';

describe('the outbox worker delivering to Slack', () => {
  const h = useBot();

  const outboxStates = (incidentId: number) =>
    h.bot.app.outbox.forIncident(incidentId).map((r) => `${r.kind}:${r.state}`);
  const settled = (incidentId: number) =>
    eventually(
      () => h.bot.app.outbox.forIncident(incidentId).every((r) => r.state !== 'pending'),
      10_000,
      'settled rows',
    );

  it('delivers one incident in order while another incident proceeds in parallel', async () => {
    // Long enough for the other room to be made whole on a loaded machine (Slack's join events for it reach the bot too).
    h.slack.inject('conversations.create', { delayMs: 2_000 });
    await h.bot.command('declare Slow one');
    await h.bot.command('declare Fast one', { user: BOB.id });
    await settled(1);
    await settled(2);

    const order = h.slack.calls.filter((c) => c.ok).map((c) => `${c.method}@${c.args.channel ?? c.args.name}`);
    const fast = h.bot.app.incidents.get(2)!;
    const slow = h.bot.app.incidents.get(1)!;
    // Incident 2's whole room was ready before incident 1's channel even existed.
    expect(order.indexOf(`pins.add@${fast.channelId}`)).toBeLessThan(
      order.indexOf(`conversations.create@${slow.channelName}`),
    );
    // Within incident 1, strict order.
    const slowCalls = order.filter((c) => c.endsWith(`@${slow.channelId}`) || c.endsWith(`@${slow.channelName}`));
    expect(slowCalls.map((c) => c.split('@')[0])).toEqual([
      'conversations.create',
      'conversations.invite',
      'conversations.setTopic',
      'chat.postMessage',
      'pins.add',
      'chat.postMessage', // who holds which role
    ]);
  });

  it('waits out Retry-After on a 429 before calling that method again', async () => {
    h.slack.inject('conversations.create', { status: 429, retryAfter: 1 });
    await h.bot.command('declare Rate limited');
    await settled(1);

    const creates = h.slack.calls.filter((c) => c.method === 'conversations.create');
    expect(creates.map((c) => c.status)).toEqual([429, 200]);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(outboxStates(1).every((s) => s.endsWith(':delivered'))).toBe(true);
    // A rate-limit wait is not a failed attempt.
    expect(h.bot.app.outbox.forIncident(1)[0]!.attempts).toBe(1);
  });

  it('retries 5xx answers with backoff until delivered', async () => {
    h.slack.inject('conversations.setTopic', { status: 503 }, { status: 500 });
    await h.bot.command('declare Flaky Slack');
    await settled(1);
    const topicRow = h.bot.app.outbox.forIncident(1).find((r) => r.kind === 'channel.set_topic')!;
    expect(topicRow).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(h.slack.succeeded('conversations.setTopic')).toHaveLength(1);
  });

  it('gives up on an error retrying cannot fix, and does not hammer Slack with the rows behind it', async () => {
    h.slack.inject('conversations.create', { error: 'invalid_name_specials' });
    await h.bot.command('declare Broken name');
    await settled(1);
    expect(outboxStates(1)).toEqual([
      'channel.create:dead',
      'channel.invite:dead',
      'channel.set_topic:dead',
      'channel.post_summary:dead',
      'channel.pin_summary:dead',
      'channel.notice:dead',
    ]);
    expect(h.bot.app.outbox.forIncident(1)[0]!.last_error).toContain('invalid_name_specials');
    expect(h.slack.calls.map((c) => c.method)).toEqual(['auth.test', 'conversations.create']);
  });
});
