import { describe, expect, it } from 'vitest';
import { ALICE, BOB, declared, eventually, settled as settledApp, useBot } from '../helpers/test-bot.ts';

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

  it('edits a pinned message once for a burst of updates: a delivery settles the rows of its kind queued behind it', async () => {
    const { incident, channel } = await declared(h, 'Checkout errors');
    await h.bot.command(`role comms <@${BOB.id}|bob>`, { channel, user: ALICE.id });
    const dutiesTs = await eventually(() => h.bot.app.incidents.get(incident.id)?.dutiesTs, 10_000, 'duties pinned');
    await settledApp(h.bot.app);
    const dutiesRows = () => h.bot.app.outbox.forIncident(incident.id).filter((r) => r.kind === 'channel.duties');
    const before = dutiesRows().length;
    const editsBefore = h.slack.succeeded('chat.update').filter((c) => c.args.ts === dutiesTs).length;

    // Slack is slow to take the first edit: the updates sent meanwhile queue their edits behind it.
    h.slack.inject('chat.update', { delayMs: 1_000 });
    const updates = 5;
    for (let i = 1; i <= updates; i++)
      await h.bot.command(`update investigating Step ${i} of the rollback`, { channel, user: BOB.id });
    await settledApp(h.bot.app);

    const rows = dutiesRows().slice(before);
    expect(rows).toHaveLength(updates);
    expect(rows.every((r) => r.state === 'delivered')).toBe(true);
    const covered = rows.filter((r) => r.result?.includes('covered_by')).length;
    const edits = h.slack.succeeded('chat.update').filter((c) => c.args.ts === dutiesTs).length - editsBefore;
    // One edit Slack was slow to take, one more for the updates queued behind it (or one for all, on a slow machine).
    expect(edits).toBeLessThanOrEqual(2);
    expect(edits + covered).toBe(updates);
    // Every update's own message is still posted, in order.
    const steps = h.slack.ws
      .channelMessages(channel)
      .map((m) => /Step (\d) of the rollback/.exec(m.text ?? '')?.[1])
      .filter(Boolean);
    expect(steps).toEqual(['1', '2', '3', '4', '5']);
    // The last edit shows the incident as the last update left it (the next update due from it).
    const due = h.bot.app.incidents.get(incident.id)!.updateDueAt!;
    const last = h.slack
      .succeeded('chat.update')
      .filter((c) => c.args.ts === dutiesTs)
      .at(-1)!;
    expect(JSON.stringify(last.args)).toContain(`<!date^${Math.floor(due / 1000)}^`);
    const metrics = await (await fetch(`${h.bot.app.url}/metrics`)).text();
    expect(metrics).toContain(
      `incident_bot_outbox_deliveries_total{kind="channel.duties",outcome="covered"} ${covered}`,
    );
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
