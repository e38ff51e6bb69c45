import { describe, expect, it } from 'vitest';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  PD_CAROL,
  SIGNING_SECRET,
  declared,
  eventually,
  settled,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';

const text = (res: { body: unknown }) => (res.body as { text: string }).text;
const postsIn = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text ?? '');
const pages = (h: Harness) =>
  h.bot.app.db.prepare('SELECT * FROM linked_pages ORDER BY id').all() as {
    status: string;
    external_id: string | null;
    incident_key: string;
  }[];
const incidentCount = (h: Harness) => h.bot.app.db.prepare('SELECT count(*) FROM incidents').pluck().get() as number;
/** The PagerDuty incident the page created, once the channel has its link. */
const createdPage = (h: Harness) =>
  eventually(() => pages(h).find((p) => p.external_id && p.status !== 'requested'), 10_000, 'the created page');

describe('/incident page', () => {
  const h = useBot({
    pagerduty: true,
    settings: `pagerduty:\n  page_service: PSVC001\n`,
  });

  it('creates the PagerDuty incident as the person who typed it, and links it in the channel', async () => {
    const { incident, channel } = await declared(h, 'Checkout down sev2');
    const res = await h.bot.command('page PSVC001 Database <@U0CAROL01|carol> is on fire', { user: BOB.id, channel });
    expect(res.status).toBe(200);
    expect(text(res)).toContain('Paging PagerDuty service `PSVC001` from incident');

    const page = await createdPage(h);
    const [create] = h.pd.succeeded('POST /incidents');
    expect(create!.headers.from).toBe(BOB.email);
    expect(create!.body).toEqual({
      incident: {
        type: 'incident',
        title: 'Database @carol is on fire',
        service: { id: 'PSVC001', type: 'service_reference' },
        incident_key: page.incident_key,
      },
    });
    await settled(h.bot.app);
    const posts = postsIn(h, channel);
    expect(posts).toContain(
      `:pager: <@${BOB.id}> paged PagerDuty service \`PSVC001\`: “Database @carol is on fire”. ` +
        'The link follows here once it is created; whoever acknowledges it is invited.',
    );
    expect(posts).toContain(
      `:pager: PagerDuty incident <https://fake.pagerduty.test/incidents/${page.external_id}|` +
        `${page.external_id}: Database @carol is on fire> created for the page to service \`PSVC001\`.`,
    );
    const timeline = h.bot.app.db
      .prepare("SELECT actor, body FROM timeline_events WHERE incident_id = ? AND kind = 'page_requested'")
      .all(incident.id);
    expect(timeline).toEqual([{ actor: BOB.id, body: 'Database @carol is on fire' }]);
    const audited = h.bot.app.db.prepare("SELECT actor, via FROM audit_log WHERE action = 'page.sent'").all();
    expect(audited).toEqual([{ actor: BOB.id, via: 'slack' }]);
    // PagerDuty's own trigger webhook for it came back: it joined nothing and opened nothing.
    expect(incidentCount(h)).toBe(1);
    expect(h.pd.rejected).toEqual([]);
  });

  it('pages an escalation policy under the configured service', async () => {
    h.pd.policies.set('PEPOPS1', { id: 'PEPOPS1', name: 'Ops', levels: [[PD_CAROL.id]] });
    const { channel } = await declared(h, 'Queue backlog');
    await h.bot.command('page policy:PEPOPS1', { user: ALICE.id, channel });
    await createdPage(h);
    expect(h.pd.succeeded('POST /incidents')[0]!.body).toMatchObject({
      incident: {
        title: 'Queue backlog',
        service: { id: 'PSVC001', type: 'service_reference' },
        escalation_policy: { id: 'PEPOPS1', type: 'escalation_policy_reference' },
      },
    });
  });

  it('invites whoever acknowledges the page to the channel, without opening or acknowledging an incident', async () => {
    const { incident, channel } = await declared(h, 'Login errors');
    await h.bot.command('page PSVC001 Need the auth team', { user: ALICE.id, channel });
    const page = await createdPage(h);
    await settled(h.bot.app);
    expect(h.slack.ws.channels.get(channel)!.members.has(CAROL.id)).toBe(false);

    const ack = await h.pd.acknowledge(page.external_id!, PD_CAROL.id);
    expect(ack).toMatchObject({ status: 202, json: { status: 'applied', incident_id: incident.id } });
    await eventually(() => h.slack.ws.channels.get(channel)!.members.has(CAROL.id), 10_000, 'Carol invited');
    await settled(h.bot.app);
    expect(postsIn(h, channel)).toContain(
      `:white_check_mark: *Carol Chen* acknowledged the page <https://fake.pagerduty.test/incidents/${page.external_id}|${page.external_id}> in PagerDuty; inviting them here.`,
    );
    expect(incidentCount(h)).toBe(1);
    expect(h.bot.app.incidents.get(incident.id)!.acknowledgedAt).toBeNull();
    expect(pages(h)[0]!.status).toBe('acknowledged');
    // A redelivery of the same acknowledgement changes nothing.
  });

  it('resolves the pages sent from an incident when the incident is resolved, once, and keeps a refused one quiet', async () => {
    const { incident, channel } = await declared(h, 'Payments timing out');
    await h.bot.command('page PSVC001 Need the payments team', { user: ALICE.id, channel });
    const page = await createdPage(h);
    await h.pd.acknowledge(page.external_id!, PD_CAROL.id);
    await eventually(() => pages(h)[pages(h).length - 1]!.status === 'acknowledged', 10_000, 'the page acknowledged');
    await h.bot.command('page PNOSUCH1 And the DBAs', { user: ALICE.id, channel });
    await eventually(() => pages(h).some((p) => p.status === 'refused'), 10_000, 'the second page refused');

    const res = await h.bot.command('resolve Fixed by rolling back', { user: ALICE.id, channel });
    expect(text(res)).not.toMatch(/not|cannot/i);
    await eventually(() => h.pd.incidents.get(page.external_id!)?.status === 'resolved', 10_000, 'the page resolved');
    await settled(h.bot.app);
    const mine = h.bot.app.db
      .prepare('SELECT status FROM linked_pages WHERE incident_id = ? ORDER BY id')
      .pluck()
      .all(incident.id);
    expect(mine).toEqual(['resolved', 'refused']);
    // Resolved as the bot, once; PagerDuty's own webhook about it came back and changed nothing more.
    const resolves = h.pd
      .succeeded('PUT /incidents/{id}')
      .filter((c) => (c.body as { incident: { status?: string } }).incident.status === 'resolved');
    expect(resolves.map((c) => c.path)).toEqual([`/incidents/${page.external_id}`]);
    const timeline = h.bot.app.db
      .prepare("SELECT kind, body FROM timeline_events WHERE incident_id = ? AND kind = 'page_resolved'")
      .all(incident.id);
    expect(timeline).toEqual([{ kind: 'page_resolved', body: 'Need the payments team' }]);
    expect(incidentCount(h)).toBe(1);
  });

  it('creates one PagerDuty incident for a command Slack delivers twice', async () => {
    const { channel } = await declared(h, 'Cache misses');
    const body = slashCommandBody({ text: 'page PSVC001 once please', userId: ALICE.id, channelId: channel });
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      ...slackSignatureHeaders(SIGNING_SECRET, body),
    };
    expect((await h.bot.post('/slack/events', body, headers)).status).toBe(200);
    expect((await h.bot.post('/slack/events', body, headers)).status).toBe(200);
    await createdPage(h);
    await settled(h.bot.app);
    expect(h.pd.succeeded('POST /incidents')).toHaveLength(1);
    expect(pages(h)).toHaveLength(1);
  });

  it('finds the incident an attempt created when PagerDuty acted but its answer was lost', async () => {
    const { channel } = await declared(h, 'Lost answers');
    // No webhook comes back either: only the key can tell the retry what the first attempt did.
    h.pd.subscribe('http://127.0.0.1:9/nowhere', ['unused']);
    h.pd.inject({ resetAfter: true });
    await h.bot.command('page PSVC001 exactly one page', { user: ALICE.id, channel });
    const page = await createdPage(h);
    await settled(h.bot.app);
    const made = [...h.pd.incidents.values()].filter((i) => i.incidentKey === page.incident_key);
    expect(made).toHaveLength(1);
    expect(made[0]!.id).toBe(page.external_id);
    expect(h.pd.succeeded('GET /incidents')[0]!.query).toMatchObject({ incident_key: page.incident_key });
    expect(postsIn(h, channel).filter((p) => p.includes('created for the page'))).toHaveLength(1);
  });

  it('says in the channel when PagerDuty refuses the page, and pages nobody', async () => {
    const { channel } = await declared(h, 'Wrong id');
    await h.bot.command('page PNOSUCH1', { user: ALICE.id, channel });
    await eventually(() => pages(h)[0]?.status === 'refused', 10_000, 'the refusal');
    await settled(h.bot.app);
    expect(postsIn(h, channel)).toContain(
      ':warning: PagerDuty refused the page to service `PNOSUCH1`: “Service not found”. Nobody was paged. ' +
        'If `PNOSUCH1` is an escalation policy, page it with `/incident page policy:PNOSUCH1`.',
    );
    expect(h.pd.incidents.size).toBe(0);
  });

  it('waits out a rate limit and pages once', async () => {
    const { channel } = await declared(h, 'Busy PagerDuty');
    h.pd.inject({ status: 429, retryAfter: 1 });
    await h.bot.command('page PSVC001', { user: ALICE.id, channel });
    await createdPage(h);
    const statuses = h.pd.calls.filter((c) => c.operation === 'POST /incidents').map((c) => c.status);
    expect(statuses).toEqual([429, 201]);
  });

  it('refuses a bad id with the form it expects, and sends nothing', async () => {
    const { channel } = await declared(h, 'Typos');
    for (const bad of ['page sev1 help', 'page p5pp4n4', 'page team:P5PP4N4', 'page']) {
      const res = await h.bot.command(bad, { user: ALICE.id, channel });
      expect(res.body).toMatchObject({ response_type: 'ephemeral' });
      expect(text(res)).toContain('is not a PagerDuty id. Page a service by its id');
      expect(text(res)).toContain('`/incident page policy:P2F4GX5`');
    }
    await settled(h.bot.app);
    expect(pages(h)).toEqual([]);
    expect(h.pd.calls.filter((c) => c.path === '/incidents')).toEqual([]);
  });

  it('works only in an incident channel', async () => {
    const res = await h.bot.command('page PSVC001', { user: ALICE.id, channel: 'C0GENERAL' });
    expect(text(res)).toContain("`/incident page` works inside an incident's channel");
    expect(pages(h)).toEqual([]);
  });
});

describe('/incident page as the permissions table says', () => {
  const h = useBot({ pagerduty: true, settings: `permissions:\n  page: [commander]\n` });

  it('refuses someone the rule does not name, saying who may, and sends nothing', async () => {
    const { incident, channel } = await declared(h, 'Restricted paging');
    const res = await h.bot.command('page PSVC001', { user: BOB.id, channel });
    expect(text(res)).toBe(`Only the commander may page from incident #${incident.id}.`);
    await h.bot.command('page PSVC001', { user: ALICE.id, channel });
    await createdPage(h);
    expect(pages(h)).toHaveLength(1);
  });
});

describe('/incident page without PagerDuty', () => {
  const h = useBot();

  it('says PagerDuty is not set up, and stores nothing', async () => {
    const { channel } = await declared(h, 'No pager');
    const res = await h.bot.command('page PSVC001 help', { user: ALICE.id, channel });
    expect(text(res)).toContain('Paging needs PagerDuty: set PAGERDUTY_TOKEN and PAGERDUTY_FROM on the bot.');
    expect(pages(h)).toEqual([]);
  });
});

describe('escalating an incident', () => {
  const h = useBot({ pagerduty: true });

  it('moves its PagerDuty incident to the next level once, and invites who that level pages', async () => {
    h.pd.policies.set('PEPFAKE', { id: 'PEPFAKE', name: 'Default', levels: [[PD_ALICE.id], [PD_BOB.id]] });
    const pd = h.pd.createIncident({ title: 'Disk full', assignees: [PD_ALICE] });
    const opened = await h.pd.trigger(pd);
    const id = opened.json.incident_id as number;
    const incident = await eventually(() => {
      const i = h.bot.app.incidents.get(id);
      return i?.channelId ? i : undefined;
    });
    await settled(h.bot.app);

    expect(h.bot.app.incidents.escalateIncident(id, { cause: 'unacknowledged:1' })).toEqual({
      externalId: pd.id,
      level: 2,
      repeated: false,
    });
    expect(h.bot.app.incidents.escalateIncident(id, { cause: 'unacknowledged:1' })).toMatchObject({ repeated: true });
    await eventually(() => h.pd.succeeded('PUT /incidents/{id}').length > 0, 10_000, 'the escalation');
    await eventually(() => h.slack.ws.channels.get(incident.channelId!)!.members.has(BOB.id), 10_000, 'Bob invited');
    await settled(h.bot.app);

    const puts = h.pd.succeeded('PUT /incidents/{id}');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      path: `/incidents/${pd.id}`,
      headers: { from: 'bot@example.com' },
      body: { incident: { type: 'incident_reference', escalation_level: 2 } },
    });
    expect(h.pd.incidents.get(pd.id)!.escalationLevel).toBe(2);
    expect(postsIn(h, incident.channelId!)).toContain(
      `:arrow_double_up: Escalated PagerDuty incident \`${pd.id}\` to level 2.`,
    );

    // There is no third level: PagerDuty refuses, and the channel hears it.
    h.bot.app.incidents.escalateIncident(id, { cause: 'unacknowledged:2' });
    await eventually(
      () => postsIn(h, incident.channelId!).some((p) => p.includes('refused to escalate')),
      10_000,
      'the refusal',
    );
    expect(postsIn(h, incident.channelId!)).toContain(
      `:warning: PagerDuty refused to escalate \`${pd.id}\` to level 3: “Escalation level not found”.`,
    );
  });
});
