import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

describe('capturing messages into the timeline', () => {
  const h = useBot();
  const captured = (id: number) =>
    (
      h.bot.app.db
        .prepare(
          "SELECT kind, actor, body, data FROM timeline_events WHERE incident_id = ? AND kind LIKE 'message_%' ORDER BY id",
        )
        .all(id) as {
        kind: string;
        actor: string;
        body: string;
        data: string;
      }[]
    ).map((r) => ({ ...r, data: JSON.parse(r.data) }));

  it('records a pinned message with author, text and permalink; and its unpinning', async () => {
    const { incident, channel } = await declared(h, 'Pins');
    const m = h.slack.ws.postAs(BOB.id, channel, 'Root cause: expired cert on lb-2');
    const item = {
      type: 'message',
      channel,
      message: { text: m.text, user: BOB.id, ts: m.ts, permalink: `https://fake.slack.test/archives/${channel}/p1` },
    };
    expect((await h.bot.event({ type: 'pin_added', user: ALICE.id, channel_id: channel, item }, 'EvPIN1')).status).toBe(
      200,
    );
    await h.bot.event({ type: 'pin_added', user: ALICE.id, channel_id: channel, item }, 'EvPIN1'); // Slack's retry
    await h.bot.event({ type: 'pin_removed', user: ALICE.id, channel_id: channel, item }, 'EvPIN2');
    await eventually(() => captured(incident.id).length === 2);
    await settled(h.bot.app);
    expect(captured(incident.id)).toEqual([
      {
        kind: 'message_pinned',
        actor: ALICE.id,
        body: 'Root cause: expired cert on lb-2',
        data: { author: BOB.id, ts: m.ts, permalink: `https://fake.slack.test/archives/${channel}/p1` },
      },
      {
        kind: 'message_unpinned',
        actor: ALICE.id,
        body: 'Root cause: expired cert on lb-2',
        data: expect.objectContaining({ author: BOB.id }),
      },
    ]);
  });

  it('records a message marked with the capture emoji, reading its text and permalink from Slack', async () => {
    const { incident, channel } = await declared(h, 'Reactions');
    const m = h.slack.ws.postAs(CAROL.id, channel, 'Error rate back under 0.1%');
    h.slack.ws.postAs(BOB.id, channel, 'a later message that must not be picked instead');
    await h.bot.event({
      type: 'reaction_added',
      user: BOB.id,
      reaction: 'thumbsup',
      item: { type: 'message', channel, ts: m.ts },
      item_user: CAROL.id,
    });
    await h.bot.event({
      type: 'reaction_added',
      user: BOB.id,
      reaction: 'pushpin',
      item: { type: 'message', channel, ts: m.ts },
      item_user: CAROL.id,
    });
    await eventually(() => captured(incident.id).length === 1);
    expect(captured(incident.id)[0]).toEqual({
      kind: 'message_marked',
      actor: BOB.id,
      body: 'Error rate back under 0.1%',
      data: {
        author: CAROL.id,
        ts: m.ts,
        permalink: `https://fake.slack.test/archives/${channel}/p${m.ts.replace('.', '')}`,
      },
    });
    await h.bot.event({
      type: 'reaction_removed',
      user: BOB.id,
      reaction: 'pushpin',
      item: { type: 'message', channel, ts: m.ts },
      item_user: CAROL.id,
    });
    await eventually(() => captured(incident.id).length === 2);
    expect(captured(incident.id)[1]).toMatchObject({ kind: 'message_unmarked', body: 'Error rate back under 0.1%' });
  });

  it('ignores pins and reactions outside incident channels, and events of unexpected shape', async () => {
    await declared(h, 'Elsewhere');
    await h.bot.event({
      type: 'pin_added',
      user: ALICE.id,
      channel_id: 'C0GENERAL',
      item: { type: 'message', channel: 'C0GENERAL', message: { ts: '1.1', text: 'x' } },
    });
    await h.bot.event({ type: 'pin_added', user: ALICE.id, item: 'garbage' });
    expect(h.bot.app.db.prepare("SELECT count(*) FROM timeline_events WHERE kind LIKE 'message_%'").pluck().get()).toBe(
      0,
    );
    expect(h.bot.app.db.prepare("SELECT count(*) FROM outbox WHERE kind = 'timeline.capture'").pluck().get()).toBe(0);
  });
});

describe('permissions to resolve and change severity', () => {
  const h = useBot({ settings: 'permissions:\n  resolve: [commander, S0ONCALL]\n  severity: [commander, comms]\n' });

  it('refuses with who may, and lets the roles and group members through', async () => {
    h.slack.ws.userGroups.set('S0ONCALL', [CAROL.id]);
    const { incident, channel } = await declared(h, 'Guarded sev2', ALICE.id);
    const refused = await h.bot.command('resolve', { channel, user: BOB.id });
    expect((refused.body as { text: string }).text).toBe(
      `Only the commander or members of <!subteam^S0ONCALL> may resolve incident #${incident.id}.`,
    );
    expect((await h.bot.command('sev 1', { channel, user: BOB.id })).body).toMatchObject({
      text: `Only the commander or the comms lead may change the severity of incident #${incident.id}.`,
    });
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'investigating', severity: 'sev2' });
    // The resolve button obeys the same rule.
    await h.bot.click('incident_resolve', String(incident.id), { user: BOB.id, channel });
    await eventually(() =>
      h.slack.ws.ephemerals.some((e) => e.user === BOB.id && e.text.startsWith('Only the commander')),
    );
    // The command and the button share one cached look at the group.
    expect(h.slack.succeeded('usergroups.users.list')).toHaveLength(1);
    expect((await h.bot.command('sev 1', { channel, user: ALICE.id })).body).toMatchObject({
      text: `Incident #${incident.id} is now SEV1.`,
    });
    expect((await h.bot.command('resolve', { channel, user: CAROL.id })).body).toMatchObject({
      text: `Resolved incident #${incident.id}.`,
    });
  });
});
