import { describe, expect, it } from 'vitest';
import { COMMS_ACTION } from '../../src/slack/comms-views.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  PD_CAROL,
  WEBHOOK_SECRET,
  declared,
  eventually,
  pagerDutyEnv,
  settled,
  startTestBot,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';

/**
 * Issue 25: the comms lead is always named (or the channel is told why not), never the commander,
 * and handed over with the on-call shift. The real bot, against the fake Slack and PagerDuty.
 */

const MIN = 60_000;
const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const roleOf = (h: Harness, id: number, role: 'commander' | 'comms') =>
  h.bot.app.incidents.roles(id).find((r) => r.role === role)?.userId ?? null;
const kinds = (h: Harness, id: number) =>
  h.bot.app.db
    .prepare('SELECT kind FROM timeline_events WHERE incident_id = ? ORDER BY id')
    .pluck()
    .all(id) as string[];
const ephemeralsFor = (h: Harness, user: string) =>
  h.slack.ws.ephemerals.filter((e) => e.user === user).map((e) => e.text);
/** Waits until the bot is idle at the harness clock (a controllable one, or the real one). */
const idle = (h: Harness) => settled(h.bot.app, () => h.clock.now);

describe('a declared incident with only an on-call schedule configured', () => {
  const h = useBot({ pagerduty: true, settings: 'comms:\n  pagerduty_schedule: PSCHED1\n' });

  it('names the person on call comms lead, looked up beside the room, which does not wait for it', async () => {
    h.pd.setOnCall('PSCHED1', PD_CAROL.id);
    // PagerDuty is down when the incident is declared: the room opens anyway.
    h.pd.inject({ status: 503 }, { status: 503 }, { status: 503 });
    const { incident, channel } = await declared(h, 'Checkout is down sev2');
    expect(h.slack.ws.message(channel, incident.summaryTs!)?.pinned).toBe(true);
    await eventually(() => roleOf(h, incident.id, 'comms') === CAROL.id, 10_000, 'the scheduled comms lead');
    await idle(h);

    expect(h.pd.succeeded('GET /oncalls').map((c) => c.query)).toEqual([
      { 'schedule_ids[]': 'PSCHED1', earliest: 'true' },
    ]);
    expect(roleOf(h, incident.id, 'commander')).toBe(ALICE.id);
    expect(h.slack.ws.channels.get(channel)!.members.has(CAROL.id)).toBe(true);
    expect(posts(h, channel)).toEqual(
      expect.arrayContaining([
        `:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: _looking up who is on call…_`,
        `:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: <@${CAROL.id}>`,
      ]),
    );
    expect(h.bot.app.incidents.get(incident.id)!.commsNagAt).toBeNull();
  });

  it('leaves the role vacant and says why when the only one on call is the commander, and the reminders run', async () => {
    h.pd.setOnCall('PSCHED1', PD_ALICE.id);
    const { incident, channel } = await declared(h, 'Search is slow');
    await eventually(() => h.pd.succeeded('GET /oncalls').length > 0);
    await idle(h);
    expect(roleOf(h, incident.id, 'comms')).toBeNull();
    expect(posts(h, channel)).toContain(
      `:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: _vacant_: the only person available is the ` +
        'commander, and the two roles are kept apart. Take it with `/incident role comms @you`.',
    );
    // The vacancy call-out runs from when it opened.
    expect(h.bot.app.incidents.get(incident.id)!.commsNagAt).toBe(incident.declaredAt + 5 * MIN);
    h.bot.app.incidents.sendReminders(incident.declaredAt + 5 * MIN);
    await idle(h);
    expect(posts(h, channel).filter((t) => t.startsWith(':loudspeaker: Nobody is comms lead'))).toHaveLength(1);
  });
});

describe('an incident declared with the form, with only an on-call schedule configured', () => {
  const h = useBot({ pagerduty: true, settings: 'comms:\n  pagerduty_schedule: PSCHED1\n' });

  it('gets its comms lead from the schedule too', async () => {
    h.pd.setOnCall('PSCHED1', PD_BOB.id);
    const res = await h.bot.submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: 'Invoices stuck' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev2' } } },
      },
      { user: ALICE.id, privateMetadata: JSON.stringify({ channel: 'C0GENERAL' }) },
    );
    expect(res.status).toBe(200);
    const incident = await eventually(() => h.bot.app.incidents.listOpen()[0]);
    await eventually(() => roleOf(h, incident.id, 'comms') === BOB.id, 10_000, 'the scheduled comms lead');
    expect(h.pd.succeeded('GET /oncalls').map((c) => c.query['schedule_ids[]'])).toEqual(['PSCHED1']);
  });
});

describe('a page from a service with a schedule of its own', () => {
  const h = useBot({
    pagerduty: true,
    settings: 'comms:\n  pagerduty_schedule: PSCHED1\n  schedules:\n    PSVC001: PSCHED2\n',
  });

  it("looks up the service's schedule, not the default", async () => {
    h.pd.setOnCall('PSCHED1', PD_CAROL.id);
    h.pd.setOnCall('PSCHED2', PD_BOB.id);
    const page = h.pd.createIncident({ title: 'API 500s', assignees: [PD_ALICE] }); // service PSVC001
    await h.pd.trigger(page);
    const incident = await eventually(() => {
      const i = h.bot.app.incidents.listOpen()[0];
      return i && roleOf(h, i.id, 'comms') ? i : undefined;
    });
    expect(roleOf(h, incident.id, 'comms')).toBe(BOB.id);
    expect(h.pd.succeeded('GET /oncalls').map((c) => c.query['schedule_ids[]'])).toEqual(['PSCHED2']);
  });
});

describe('handing the commander role to the comms lead', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}, ${CAROL.id}]\n` });

  it('moves comms to the next candidate, and says so', async () => {
    const { incident, channel } = await declared(h, 'Payments failing sev1');
    expect(roleOf(h, incident.id, 'comms')).toBe(BOB.id);
    const res = await h.bot.command(`role commander <@${BOB.id}>`, { channel });
    expect(res.status).toBe(200);
    await idle(h);
    expect(roleOf(h, incident.id, 'commander')).toBe(BOB.id);
    expect(roleOf(h, incident.id, 'comms')).toBe(CAROL.id);
    expect(posts(h, channel)).toContain(
      `:handshake: <@${BOB.id}> is commander now, so comms lead passes to <@${CAROL.id}>`,
    );
    expect(h.slack.ws.channels.get(channel)!.members.has(CAROL.id)).toBe(true);
  });

  it('gives comms to the former commander when the rotation names them next', async () => {
    const { incident, channel } = await declared(h, 'Login broken', CAROL.id); // commander carol, comms bob
    expect(roleOf(h, incident.id, 'comms')).toBe(BOB.id);
    // Carol hands her role to Bob: the rotation's other person is Carol, no longer commander.
    await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: CAROL.id });
    await idle(h);
    expect(roleOf(h, incident.id, 'comms')).toBe(CAROL.id);
  });
});

describe('handing the commander role to the comms lead with nobody else to take comms', () => {
  const h = useBot({ clock: true, settings: `comms:\n  rotation: [${BOB.id}]\n` });

  it('leaves comms vacant, tells the channel why, and the vacancy reminders run', async () => {
    const { incident, channel } = await declared(h, 'Payments failing sev1');
    await h.bot.command(`role commander <@${BOB.id}>`, { channel });
    await idle(h);
    expect(roleOf(h, incident.id, 'commander')).toBe(BOB.id);
    expect(roleOf(h, incident.id, 'comms')).toBeNull();
    expect(posts(h, channel)).toContain(
      `:handshake: <@${BOB.id}> is commander now, so the comms lead role is vacant: the only person available is ` +
        'the commander, and the two roles are kept apart. Take it with `/incident role comms @you`.',
    );
    expect(kinds(h, incident.id)).toContain('role_vacated');
    h.clock.now += 5 * MIN;
    h.bot.app.incidents.sendReminders();
    await idle(h);
    expect(posts(h, channel).filter((t) => t.startsWith(':loudspeaker: Nobody is comms lead'))).toHaveLength(1);
  });
});

describe('giving the comms role to the commander', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\n` });

  it('is refused with the reason and a button; the commander confirming holds both', async () => {
    const { incident, channel } = await declared(h, 'Webhooks delayed');
    const res = await h.bot.command(`role comms <@${ALICE.id}>`, { channel });
    const body = res.body as { text: string; blocks?: { type: string; elements?: Record<string, string>[] }[] };
    expect(body.text).toContain('is the commander, and the comms lead is kept a separate person');
    expect(body.text).toContain('`/incident role comms @them --both`');
    const button = body.blocks?.find((b) => b.type === 'actions')?.elements?.[0];
    expect(button).toMatchObject({ action_id: COMMS_ACTION.confirm, value: `role comms <@${ALICE.id}> --both` });
    expect(roleOf(h, incident.id, 'comms')).toBe(BOB.id);

    // Someone else confirming for the commander is refused: only they can say they will hold both.
    await h.bot.command(`role comms <@${ALICE.id}> --both`, { channel, user: BOB.id });
    expect(roleOf(h, incident.id, 'comms')).toBe(BOB.id);

    await h.bot.click(COMMS_ACTION.confirm, button!.value!, { user: ALICE.id, channel });
    await eventually(() => roleOf(h, incident.id, 'comms') === ALICE.id, 5_000, 'alice holding both');
    expect(roleOf(h, incident.id, 'commander')).toBe(ALICE.id);
  });
});

describe('a change of on-call shift during an open incident', () => {
  const h = useBot({ pagerduty: true, clock: true, settings: 'comms:\n  pagerduty_schedule: PSCHED1\n' });
  const look = async (at: number) => {
    h.clock.now = at;
    const looks = h.bot.app.incidents.checkShifts();
    await idle(h);
    return looks;
  };
  const offers = (channel: string) =>
    h.slack.ws.channelMessages(channel).filter((m) => m.text.startsWith(':arrows_counterclockwise:'));

  it('invites the new person on call and offers them the role with a button only they may press', async () => {
    h.pd.setOnCall('PSCHED1', PD_CAROL.id);
    const t0 = h.clock.now;
    const { incident, channel } = await declared(h, 'Queue backlog sev2');
    await eventually(() => roleOf(h, incident.id, 'comms') === CAROL.id, 10_000, 'the first comms lead');
    await idle(h);

    expect(await look(t0 + 4 * MIN)).toBe(0); // not due yet
    expect(await look(t0 + 5 * MIN)).toBe(1);
    expect(offers(channel)).toEqual([]); // the same person is on call: nothing to offer

    h.pd.setOnCall('PSCHED1', PD_BOB.id); // the shift changes
    expect(await look(t0 + 10 * MIN)).toBe(1);
    expect(await look(t0 + 10 * MIN)).toBe(0); // the same tick again asks nothing
    expect(h.slack.ws.channels.get(channel)!.members.has(BOB.id)).toBe(true);
    const [offer] = offers(channel);
    expect(offer!.text).toBe(
      `:arrows_counterclockwise: The on-call shift changed: <@${BOB.id}> is on call now. ` +
        `<@${BOB.id}>, take over as comms lead from <@${CAROL.id}>?`,
    );
    expect(JSON.stringify(offer!.blocks)).toContain(COMMS_ACTION.accept);

    // A restart, then more looks at the same shift: no second offer.
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath, {
      now: () => h.clock.now,
      env: { CONFIG_PATH: h.bot.config.configPath, ...pagerDutyEnv(h.pd) },
    });
    h.pd.subscribe(`${h.bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
    expect(await look(t0 + 15 * MIN)).toBe(1);
    expect(offers(channel)).toHaveLength(1);

    // Only Bob may take it.
    await h.bot.click(COMMS_ACTION.accept, String(incident.id), { user: ALICE.id, channel });
    await eventually(() =>
      ephemeralsFor(h, ALICE.id).includes(
        `This offer is for <@${BOB.id}>, who is on call now; only they can accept it.`,
      ),
    );
    expect(roleOf(h, incident.id, 'comms')).toBe(CAROL.id);
    await h.bot.click(COMMS_ACTION.accept, String(incident.id), { user: BOB.id, channel });
    await eventually(() => roleOf(h, incident.id, 'comms') === BOB.id, 5_000, 'bob taking comms');
    await idle(h);
    expect(posts(h, channel)).toContain(`:handshake: Comms lead: <@${CAROL.id}> → <@${BOB.id}>.`);
    expect(kinds(h, incident.id)).toEqual(expect.arrayContaining(['shift_changed', 'shift_handover']));
    const handover = h.bot.app.db
      .prepare("SELECT actor, data FROM timeline_events WHERE incident_id = ? AND kind = 'shift_handover'")
      .get(incident.id) as { actor: string; data: string };
    expect(handover.actor).toBe(BOB.id);
    expect(JSON.parse(handover.data)).toMatchObject({ role: 'comms', from: CAROL.id, to: BOB.id });
  });
});

describe("the comms lead's duties, pinned with the role", () => {
  const h = useBot({
    settings: `comms:\n  rotation: [${BOB.id}]\n  stakeholders: [S0SUPPORT1]\n`,
    env: { PUBLIC_URL: 'https://bot.example.com' },
  });
  const dutiesOf = (channel: string) =>
    h.slack.ws.channelMessages(channel).filter((m) => m.text.startsWith(':clipboard:'));

  it('says when the next update is due, who to tell and where the status page is, kept current in place', async () => {
    const { incident, channel } = await declared(h, 'Checkout errors sev3');
    const [duties] = dutiesOf(channel);
    expect(duties!.pinned).toBe(true);
    const due = Math.floor(incident.updateDueAt! / 1000);
    expect(duties!.text).toContain(`:clipboard: *Comms lead: <@${BOB.id}>* — your duties for incident #${incident.id}`);
    expect(duties!.text).toContain(`*Next update due* <!date^${due}^`);
    expect(duties!.text).toContain('(every 60 min at SEV3)');
    expect(duties!.text).toContain('*Who to tell*: this channel with every update; <!subteam^S0SUPPORT1>;');
    expect(duties!.text).toContain('*Status page*: <https://bot.example.com/status|Service status>');

    // The cadence changes with the severity: the same pinned message says so, nothing new is pinned.
    await h.bot.command('sev 1', { channel });
    await idle(h);
    const after = dutiesOf(channel);
    expect(after).toHaveLength(1);
    expect(after[0]!.text).toContain('(every 15 min at SEV1)');
    expect(after[0]!.edited).toBe(true);
    expect(h.slack.succeeded('pins.add')).toHaveLength(2); // the summary and the duties, once each

    // A new comms lead: the duties name them.
    await h.bot.command(`role comms <@${CAROL.id}>`, { channel });
    await idle(h);
    expect(dutiesOf(channel)[0]!.text).toContain(`*Comms lead: <@${CAROL.id}>*`);
  });
});
