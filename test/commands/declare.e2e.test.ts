import { describe, expect, it } from 'vitest';
import { isLegalChannelName } from '../../src/slack/channel-name.ts';
import { ALICE, BOB, eventually, useBot } from '../helpers/test-bot.ts';

describe('/incident declare, end to end', () => {
  const h = useBot();

  /** Waits until the incident's summary is pinned, the last of the effects a declaration implies. */
  const roomOpened = (incidentId: number) =>
    eventually(
      () => {
        const i = h.bot.app.incidents.get(incidentId);
        return i?.channelId && i.summaryTs && h.slack.ws.message(i.channelId, i.summaryTs)?.pinned ? i : undefined;
      },
      10_000,
      `incident ${incidentId} room to open`,
    );

  it('acks at once, then opens a staffed channel with topic and pinned summary', async () => {
    const res = await h.bot.command('declare Checkout is down sev1', { user: ALICE.id });

    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect((res.body as { text: string }).text).toContain('Declared incident #1: *Checkout is down* (SEV1)');

    const incident = await roomOpened(1);
    expect(incident).toMatchObject({
      title: 'Checkout is down',
      severity: 'sev1',
      status: 'investigating',
      declaredBy: ALICE.id,
    });

    const [create] = h.slack.succeeded('conversations.create');
    const name = create!.args.name as string;
    expect(create!.args.is_private).toBe('false');
    expect(name).toMatch(/^inc-\d{8}-checkout-is-down$/);
    expect(isLegalChannelName(name)).toBe(true);
    expect(incident.channelName).toBe(name);

    const channel = h.slack.ws.channels.get(incident.channelId!)!;
    expect(channel.members.has(ALICE.id)).toBe(true);
    expect(h.slack.succeeded('conversations.invite')[0]!.args).toMatchObject({ channel: channel.id, users: ALICE.id });
    expect(channel.topic).toBe(`SEV1 · Investigating · Commander: <@${ALICE.id}> · Checkout is down`);

    const summary = h.slack.ws.message(channel.id, incident.summaryTs!)!;
    expect(summary.pinned).toBe(true);
    expect(summary.text).toBe('Incident #1: Checkout is down (SEV1, investigating)');
    expect(summary.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Checkout is down', emoji: false },
    });
    expect(JSON.stringify(summary.blocks)).toContain(`*Commander*\\n<@${ALICE.id}>`);

    // Each effect happened exactly once, and every call matched Slack's API description.
    for (const method of ['conversations.create', 'conversations.invite', 'conversations.setTopic', 'pins.add']) {
      expect(h.slack.succeeded(method), method).toHaveLength(1);
    }
    await eventually(() => h.slack.succeeded('chat.postMessage').length === 2);
    // The summary, then who holds which role: nobody is comms lead, and the channel is told why.
    expect(h.slack.succeeded('chat.postMessage')[1]!.args.text).toBe(
      `:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: _vacant_: no on-call schedule or rotation is ` +
        'configured (`comms` in the settings file). Take it with `/incident role comms @you`.',
    );
    expect(h.slack.rejected).toEqual([]);

    // The incident, its timeline and roles are in SQLite.
    const db = h.bot.app.db;
    expect(db.prepare('SELECT kind, actor, body FROM timeline_events WHERE incident_id = 1 ORDER BY id').all()).toEqual(
      [
        { kind: 'declared', actor: ALICE.id, body: 'Checkout is down' },
        { kind: 'role_assigned', actor: ALICE.id, body: null },
      ],
    );
    expect(db.prepare('SELECT role, user_id FROM incident_roles WHERE incident_id = 1').all()).toEqual([
      { role: 'commander', user_id: ALICE.id },
    ]);
    await eventually(
      () => (db.prepare("SELECT count(*) AS n FROM outbox WHERE state = 'delivered'").get() as { n: number }).n === 6,
    );
  });

  it('gives a second incident with the same title its own channel', async () => {
    await h.bot.command('declare Checkout is down sev1');
    await h.bot.command('declare Checkout is down sev2', { user: BOB.id });
    const [first, second] = [await roomOpened(1), await roomOpened(2)];

    expect(first.channelId).not.toBe(second.channelId);
    expect(second.channelName).toBe(`${first.channelName}-2`);
    expect(h.slack.calls.filter((c) => c.method === 'conversations.create').map((c) => c.error ?? 'ok')).toEqual([
      'ok',
      'name_taken',
      'ok',
    ]);
    expect(second.severity).toBe('sev2');
  });

  it('uses the configured default severity when none is given', async () => {
    await h.bot.command('declare Search is slow');
    expect((await roomOpened(1)).severity).toBe('sev3');
  });
});
