import { describe, expect, it } from 'vitest';
import { incidentData, noteData, responderData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { isLegalChannelName } from '../../src/slack/channel-name.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  PD_CAROL,
  PD_DAVE,
  eventually,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';

const SETTINGS = `comms:\n  rotation: [${ALICE.id}, ${CAROL.id}, ${BOB.id}]\n`;

/** The channel for our incident linked to a PagerDuty incident, once its summary is pinned. */
const staffedChannel = async (h: Harness, pdIncidentId: string) => {
  const incident = await eventually(
    () => {
      const row = h.bot.app.db
        .prepare('SELECT incident_id FROM incident_links WHERE external_id = ?')
        .get(pdIncidentId) as { incident_id: number } | undefined;
      const i = row && h.bot.app.incidents.get(row.incident_id);
      return i?.summaryTs && h.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    },
    10_000,
    `staffed channel for ${pdIncidentId}`,
  );
  return { incident, channel: h.slack.ws.channels.get(incident.channelId!)! };
};
const postsIn = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const settle = (h: Harness) =>
  eventually(
    () => h.bot.app.outbox.dueDepth(Date.now()) === 0 && h.bot.app.worker.inFlightCount === 0,
    10_000,
    'a settled outbox',
  );

describe('a PagerDuty page', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('opens a staffed channel: responders invited, what fired pinned, commander and comms lead named', async () => {
    const page = h.pd.createIncident({
      title: 'Payment errors above 5%',
      assignees: [PD_ALICE, PD_DAVE],
      priority: 'P1',
      urgency: 'high',
    });
    const res = await h.pd.trigger(page);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'opened' });

    const { incident, channel } = await staffedChannel(h, page.id);
    await settle(h);
    expect(channel.name).toMatch(/^inc-\d{8}-checkout-api-payment-errors-above-5$/);
    expect(isLegalChannelName(channel.name)).toBe(true);
    expect(incident).toMatchObject({
      source: 'pagerduty',
      severity: 'sev1',
      title: 'Payment errors above 5%',
      externalUrl: `https://fake.pagerduty.test/incidents/${page.id}`,
    });

    // Alice is the first assignee, so commander; the comms rotation skips her and names Carol.
    expect([...channel.members].sort()).toEqual([ALICE.id, CAROL.id, 'U0BOT0001'].sort());
    expect(h.slack.succeeded('conversations.invite')[0]!.args).toMatchObject({ force: 'true' });
    const roles = h.bot.app.db
      .prepare('SELECT role, user_id FROM incident_roles WHERE incident_id = ? ORDER BY role')
      .all(incident.id);
    expect(roles).toEqual([
      { role: 'commander', user_id: ALICE.id },
      { role: 'comms', user_id: CAROL.id },
    ]);

    expect(channel.topic).toBe(
      `SEV1 · Investigating · Commander: <@${ALICE.id}> · Payment errors above 5% · https://fake.pagerduty.test/incidents/${page.id}`,
    );
    const summary = h.slack.ws.message(channel.id, incident.summaryTs!)!;
    expect(summary.pinned).toBe(true);
    const blocks = JSON.stringify(summary.blocks);
    for (const fact of [
      'Service: Checkout API',
      'Urgency: high',
      'Priority: P1',
      'Assigned: Alice Anders, Dave NoSlack',
      `PagerDuty #${page.number}`,
      `open in PagerDuty`,
    ]) {
      expect(blocks, fact).toContain(fact);
    }
    expect(blocks).toContain(`*Comms lead*\\n<@${CAROL.id}>`);

    const posts = postsIn(h, channel.id);
    expect(posts).toContain(`:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: <@${CAROL.id}>`);
    // Dave is named, not silently dropped.
    expect(posts).toContain(
      ':warning: Could not invite this responder — please add them by hand:\n• *Dave NoSlack*: no Slack account uses dave@elsewhere.example',
    );
    expect(
      h.pd
        .succeeded('GET /users/{id}')
        .map((c) => c.path)
        .sort(),
    ).toEqual(['/users/PALICE1', '/users/PDAVE01']);
    expect(h.pd.rejected).toEqual([]);
    expect(h.slack.rejected).toEqual([]);
  });

  it('opens one channel for a webhook delivered three times', async () => {
    const page = h.pd.createIncident({ title: 'Disk full', assignees: [PD_BOB] });
    const body = webhookBody('incident.triggered', incidentData(page), { id: 'evt-same-delivery' });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await h.pd.send(body)).json.status);
    expect(outcomes).toEqual(['opened', 'duplicate', 'duplicate']);
    await staffedChannel(h, page.id);
    await settle(h);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
  });

  it('joins a second page with the same incident key to the open incident', async () => {
    const first = h.pd.createIncident({ title: 'Latency high', incidentKey: 'latency-eu', assignees: [PD_BOB] });
    const second = h.pd.createIncident({ title: 'Latency high again', incidentKey: 'latency-eu', assignees: [PD_BOB] });
    await h.pd.trigger(first);
    await h.pd.trigger(first); // a retried trigger with a new event id
    expect((await h.pd.trigger(second)).json.status).toBe('joined');
    const { incident, channel } = await staffedChannel(h, first.id);
    expect((await staffedChannel(h, second.id)).incident.id).toBe(incident.id);
    await settle(h);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
    expect(postsIn(h, channel.id).some((t) => t.includes('Another PagerDuty page joined this incident'))).toBe(true);
  });

  it('acknowledged in PagerDuty: recorded, posted once, summary and topic updated', async () => {
    const page = h.pd.createIncident({ title: 'Queue backlog', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { incident, channel } = await staffedChannel(h, page.id);
    const ack = webhookBody('incident.acknowledged', incidentData({ ...page, status: 'acknowledged' }), {
      agent: PD_ALICE,
    });
    expect((await h.pd.send(ack)).json.status).toBe('applied');
    expect(
      (await h.pd.send(webhookBody('incident.acknowledged', incidentData(page), { agent: PD_ALICE }))).json.status,
    ).toBe('no_change');
    await settle(h);
    expect(h.bot.app.incidents.get(incident.id)!.acknowledgedAt).not.toBeNull();
    expect(postsIn(h, channel.id).filter((t) => t.startsWith(':eyes: Acknowledged'))).toEqual([
      ':eyes: Acknowledged by *Alice Anders* in PagerDuty.',
    ]);
    expect(h.slack.succeeded('chat.update').length).toBeGreaterThan(0);
    // Nothing is written back to PagerDuty for a change that came from PagerDuty.
    expect(h.pd.succeeded('PUT /incidents/{id}')).toEqual([]);
  });

  it('/incident ack in the channel acknowledges in PagerDuty once, and the echo posts nothing more', async () => {
    const page = h.pd.createIncident({ title: 'Search down', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { channel } = await staffedChannel(h, page.id);
    const echo = new Promise((resolve) => h.pd.once('webhook', resolve));
    const res = await h.bot.command('ack', { user: BOB.id, channel: channel.id });
    expect((res.body as { text: string }).text).toMatch(
      /^Acknowledged incident #\d+\. PagerDuty will be updated too\.$/,
    );
    expect(await echo).toMatchObject({ status: 202, json: { status: 'no_change' } });
    await settle(h);
    const puts = h.pd.succeeded('PUT /incidents/{id}');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      path: `/incidents/${page.id}`,
      headers: { from: 'bot@example.com' },
      body: { incident: { type: 'incident_reference', status: 'acknowledged' } },
    });
    expect(h.pd.incidents.get(page.id)!.status).toBe('acknowledged');
    expect(postsIn(h, channel.id).filter((t) => t.startsWith(':eyes:'))).toEqual([
      `:eyes: Acknowledged by <@${BOB.id}>.`,
    ]);
    expect((await h.bot.command('ack', { channel: channel.id })).body).toMatchObject({
      text: expect.stringContaining('already acknowledged'),
    });
  });

  it('/incident resolve with a note resolves in PagerDuty once, with the note, and the echo posts nothing more', async () => {
    const page = h.pd.createIncident({ title: 'Cache stampede', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { incident, channel } = await staffedChannel(h, page.id);
    const echo = new Promise((resolve) => h.pd.once('webhook', resolve));
    await h.bot.command('resolve Rolled back &lt;deploy 42&gt;', { user: ALICE.id, channel: channel.id });
    expect(await echo).toMatchObject({ json: { status: 'no_change' } });
    await settle(h);
    expect(h.pd.notes).toEqual([{ incidentId: page.id, content: 'Rolled back <deploy 42>', from: 'bot@example.com' }]);
    expect(h.pd.succeeded('PUT /incidents/{id}')).toHaveLength(1);
    expect(h.pd.incidents.get(page.id)!.status).toBe('resolved');
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'resolved' });
    expect(postsIn(h, channel.id).filter((t) => t.startsWith(':white_check_mark:'))).toEqual([
      `:white_check_mark: Resolved by <@${ALICE.id}>.\n>Rolled back &lt;deploy 42&gt;`,
    ]);
  });

  it('adds the resolution note once when PagerDuty took it but its answer was lost', async () => {
    const page = h.pd.createIncident({ title: 'Lost answer', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { channel } = await staffedChannel(h, page.id);
    h.pd.inject({ resetAfter: true }); // the next call (the note) is made, and its answer lost
    await h.bot.command('resolve Failed over to the replica', { user: ALICE.id, channel: channel.id });
    await eventually(() => h.pd.incidents.get(page.id)!.status === 'resolved');
    await settle(h);
    expect(h.pd.notes.filter((n) => n.incidentId === page.id).map((n) => n.content)).toEqual([
      'Failed over to the replica',
    ]);
    expect(h.pd.calls.filter((c) => c.operation === 'GET /incidents/{id}/notes')).toHaveLength(1);
  });

  it('acknowledges in PagerDuty once when PagerDuty took the acknowledgement but its answer was lost', async () => {
    const page = h.pd.createIncident({ title: 'Lost ack answer', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { channel } = await staffedChannel(h, page.id);
    h.pd.inject({ resetAfter: true }); // the next call (the PUT) is acted on, and its answer lost
    await h.bot.command('ack', { user: BOB.id, channel: channel.id });
    const looked = () => h.pd.calls.filter((c) => c.operation === 'GET /incidents/{id}' && c.path.endsWith(page.id));
    await eventually(() => looked().length > 0);
    await settle(h);
    expect(h.pd.incidents.get(page.id)!.status).toBe('acknowledged');
    expect(looked()).toHaveLength(1);
    // The fake records the calls it answered: the lost one is not among them, and none came after it.
    expect(h.pd.calls.filter((c) => c.operation === 'PUT /incidents/{id}')).toEqual([]);
  });

  it('after a failed attempt, still writes the status back when PagerDuty does not have it', async () => {
    const page = h.pd.createIncident({ title: 'Refused the first time', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { channel } = await staffedChannel(h, page.id);
    h.pd.inject({ status: 503 }); // the next call (the PUT) is refused: PagerDuty did nothing
    await h.bot.command('ack', { user: BOB.id, channel: channel.id });
    await eventually(() => h.pd.incidents.get(page.id)!.status === 'acknowledged');
    await settle(h);
    expect(h.pd.calls.filter((c) => c.operation === 'GET /incidents/{id}' && c.path.endsWith(page.id))).toHaveLength(1);
    expect(h.pd.succeeded('PUT /incidents/{id}')).toHaveLength(1);
  });

  it('resolved then reopened in PagerDuty: state follows, each posted once', async () => {
    const page = h.pd.createIncident({ title: 'Login loop', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { incident, channel } = await staffedChannel(h, page.id);
    const t = Date.now();
    await h.pd.send(
      webhookBody('incident.resolved', incidentData({ ...page, status: 'resolved' }), {
        agent: PD_BOB,
        occurredAt: new Date(t).toISOString(),
      }),
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('resolved');
    await h.pd.send(
      webhookBody('incident.reopened', incidentData(page), {
        agent: PD_BOB,
        occurredAt: new Date(t + 1000).toISOString(),
      }),
    );
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'investigating', resolvedAt: null });
    await settle(h);
    const posts = postsIn(h, channel.id);
    expect(posts).toContain(':white_check_mark: Resolved by *Bob Berg* in PagerDuty.');
    expect(posts).toContain(':arrows_counterclockwise: Reopened by *Bob Berg* in PagerDuty.');
  });

  it('priority, notes, reassignment and added responders reach the channel and the timeline', async () => {
    const page = h.pd.createIncident({ title: 'Slow checkout', assignees: [PD_ALICE], priority: 'P3' });
    await h.pd.trigger(page);
    const { incident, channel } = await staffedChannel(h, page.id);
    expect(incident.severity).toBe('sev3');
    await h.pd.send(
      webhookBody('incident.priority_updated', incidentData({ ...page, priority: 'P1' }), { agent: PD_ALICE }),
    );
    await h.pd.send(webhookBody('incident.annotated', noteData(page, 'DB failover <started>'), { agent: PD_ALICE }));
    await h.pd.send(
      webhookBody('incident.reassigned', incidentData({ ...page, assignees: [PD_BOB] }), { agent: PD_ALICE }),
    );
    await h.pd.send(
      webhookBody('incident.responder.added', responderData(page, PD_CAROL, 'Need DB help'), { agent: PD_ALICE }),
    );
    await settle(h);
    expect(h.bot.app.incidents.get(incident.id)!.severity).toBe('sev1');
    expect(channel.members.has(BOB.id) && channel.members.has(CAROL.id)).toBe(true);
    const posts = postsIn(h, channel.id);
    expect(posts).toContain(':chart_with_upwards_trend: Severity SEV3 → *SEV1* (by *Alice Anders* in PagerDuty).');
    expect(posts).toContain(':memo: Note from *Alice Anders* in PagerDuty:\n>DB failover &lt;started&gt;');
    expect(posts).toContain(':arrow_right: Reassigned in PagerDuty to *Bob Berg*.');
    expect(posts).toContain(':sos: *Carol Chen* was asked to help in PagerDuty: “Need DB help”');
    const kinds = h.bot.app.db
      .prepare('SELECT kind FROM timeline_events WHERE incident_id = ? ORDER BY id')
      .pluck()
      .all(incident.id);
    expect(kinds).toEqual(
      expect.arrayContaining(['paged', 'priority_updated', 'annotated', 'reassigned', 'responder_added']),
    );
  });

  it('opens the incident late when the first event seen is not the trigger, and never reopens on a late ack', async () => {
    const page = h.pd.createIncident({ title: 'Missed trigger', assignees: [PD_BOB] });
    const t = Date.now();
    const resolved = await h.pd.send(
      webhookBody('incident.resolved', incidentData({ ...page, status: 'resolved' }), {
        occurredAt: new Date(t).toISOString(),
      }),
    );
    expect(resolved.json.status).toBe('opened');
    const late = await h.pd.send(
      webhookBody('incident.acknowledged', incidentData(page), {
        occurredAt: new Date(t - 60_000).toISOString(),
        agent: PD_BOB,
      }),
    );
    expect(late.json.status).toBe('applied');
    const { incident } = await staffedChannel(h, page.id);
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({
      status: 'resolved',
      acknowledgedAt: t - 60_000,
      resolvedAt: t,
    });
    // A note about an incident never seen at all opens it from the reference it carries.
    const other = h.pd.createIncident({ title: 'Only a note', assignees: [] });
    expect(
      (await h.pd.send(webhookBody('incident.annotated', noteData(other, 'first we hear of it')))).json.status,
    ).toBe('opened');
    expect((await staffedChannel(h, other.id)).incident.title).toBe('Only a note');
  });
});

describe('a PagerDuty page with the comms lead from an on-call schedule', () => {
  const h = useBot({ pagerduty: true, settings: `comms:\n  pagerduty_schedule: PSCHED1\n  rotation: [${BOB.id}]\n` });

  it('names the scheduled person comms lead', async () => {
    h.pd.schedules.set('PSCHED1', [PD_CAROL.id]);
    const page = h.pd.createIncident({ title: 'API 500s', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const { incident } = await staffedChannel(h, page.id);
    // The schedule is looked up beside the room, which does not wait for it: the room may be staffed first.
    const comms = await eventually(
      () =>
        h.bot.app.db
          .prepare("SELECT user_id FROM incident_roles WHERE incident_id = ? AND role = 'comms'")
          .pluck()
          .get(incident.id),
      10_000,
      'a comms lead named',
    );
    expect(comms).toBe(CAROL.id);
    const oncall = h.pd.succeeded('GET /oncalls')[0]!;
    expect(oncall.query).toEqual({ 'schedule_ids[]': 'PSCHED1', earliest: 'true' });
  });
});
