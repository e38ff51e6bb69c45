import { describe, expect, it } from 'vitest';
import type { FakeUser } from '../../src/sandbox/fake-slack/state.ts';
import { VIEW } from '../../src/slack/views.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_DAVE,
  declared,
  eventually,
  settled,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';

/** An admin, by membership of the admins' user group. */
const DAN: FakeUser = { id: 'U0DAN0001', name: 'dan', email: 'dan@example.com' };
const ADMINS = 'S0ADMINS';
const USERS = [ALICE, BOB, CAROL, DAN];

/** The hardened settings the issue was filed against, plus an admins group. */
const SETTINGS = [
  'permissions:',
  '  resolve: [commander]',
  '  severity: [commander]',
  `  admins: [${ADMINS}]`,
  'status_page:',
  '  publish: [commander, comms]',
  '',
].join('\n');

const text = (r: { body: unknown }) => (r.body as { text: string }).text;
const roleOf = (h: Harness, id: number, role: string) =>
  h.bot.app.incidents.roles(id).find((r) => r.role === role)?.userId ?? null;
const grants = (h: Harness, id: number) =>
  (
    h.bot.app.db
      .prepare("SELECT actor, data FROM timeline_events WHERE incident_id = ? AND kind = 'role_assigned' ORDER BY id")
      .all(id) as { actor: string | null; data: string }[]
  )
    .map((e) => ({ by: e.actor, ...(JSON.parse(e.data) as { role: string; user: string }) }))
    .map(({ by, role, user }) => ({ by, role, user }));
const ephemeralsFor = (h: Harness, user: string) =>
  h.slack.ws.ephemerals.filter((e) => e.user === user).map((e) => e.text);

const COMMANDER_RULE = (id: number) =>
  `Only the commander, whoever declared it, or an admin (members of <!subteam^${ADMINS}>) may make someone commander of incident #${id}.`;
const COMMS_RULE = (id: number) =>
  `Only the commander, the comms lead, or an admin (members of <!subteam^${ADMINS}>) may make someone comms lead of incident #${id}.`;

describe('who may hand out the roles', () => {
  const h = useBot({ users: USERS, settings: SETTINGS });
  const declare = async (title: string) => {
    h.slack.ws.userGroups.set(ADMINS, [DAN.id]);
    return declared(h, title, ALICE.id); // alice declares and commands; nobody is comms lead yet
  };

  it('refuses anyone making themselves commander, says who may, and gives them none of its powers', async () => {
    const { incident, channel } = await declare('Takeover sev2');
    const res = await h.bot.command(`role commander <@${CAROL.id}|carol>`, { channel, user: CAROL.id });
    expect(text(res)).toBe(COMMANDER_RULE(incident.id));
    expect(roleOf(h, incident.id, 'commander')).toBe(ALICE.id);
    expect(text(await h.bot.command('update identified We know --public', { channel, user: CAROL.id }))).toBe(
      `Only the commander or the comms lead may publish status page updates for incident #${incident.id}.`,
    );
    expect(text(await h.bot.command('resolve', { channel, user: CAROL.id }))).toBe(
      `Only the commander may resolve incident #${incident.id}.`,
    );
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'investigating', publicAt: null });
    expect(grants(h, incident.id)).toEqual([{ by: ALICE.id, role: 'commander', user: ALICE.id }]);
  });

  it('lets anyone claim a vacant role for themselves, but not hand it to someone else', async () => {
    const { incident, channel } = await declare('Nobody on comms sev3');
    expect(roleOf(h, incident.id, 'comms')).toBeNull();
    expect(text(await h.bot.command(`role comms <@${BOB.id}>`, { channel, user: CAROL.id }))).toBe(
      COMMS_RULE(incident.id),
    );
    expect(text(await h.bot.command(`role comms <@${CAROL.id}>`, { channel, user: CAROL.id }))).toBe(
      `<@${CAROL.id}> is now comms lead of incident #${incident.id}.`,
    );
    // Once held, the role is no longer free for the taking.
    expect(text(await h.bot.command(`role comms <@${BOB.id}>`, { channel, user: BOB.id }))).toBe(
      COMMS_RULE(incident.id),
    );
    expect(roleOf(h, incident.id, 'comms')).toBe(CAROL.id);
    expect(grants(h, incident.id)).toEqual([
      { by: ALICE.id, role: 'commander', user: ALICE.id },
      { by: CAROL.id, role: 'comms', user: CAROL.id },
    ]);
  });

  it('lets the commander hand the commander role over, and the new commander pass it on', async () => {
    const { incident, channel } = await declare('Handover sev2');
    expect(text(await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: ALICE.id }))).toBe(
      `<@${BOB.id}> is now commander of incident #${incident.id}.`,
    );
    expect(text(await h.bot.command(`role commander <@${CAROL.id}>`, { channel, user: BOB.id }))).toBe(
      `<@${CAROL.id}> is now commander of incident #${incident.id}.`,
    );
    // Bob gave the role away and holds nothing now.
    expect(text(await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: BOB.id }))).toBe(
      COMMANDER_RULE(incident.id),
    );
    expect(grants(h, incident.id)).toEqual([
      { by: ALICE.id, role: 'commander', user: ALICE.id },
      { by: ALICE.id, role: 'commander', user: BOB.id },
      { by: BOB.id, role: 'commander', user: CAROL.id },
    ]);
    await settled(h.bot.app);
    expect(h.slack.ws.channelMessages(channel).map((m) => m.text)).toContain(
      `:handshake: Commander: <@${BOB.id}> → <@${CAROL.id}> (handed over by <@${BOB.id}>).`,
    );
  });

  it('lets the commander and the comms lead hand the comms role over, and nobody else', async () => {
    const { incident, channel } = await declare('Comms handover sev3');
    expect(text(await h.bot.command(`role comms <@${BOB.id}>`, { channel, user: ALICE.id }))).toBe(
      `<@${BOB.id}> is now comms lead of incident #${incident.id}.`,
    );
    expect(text(await h.bot.command(`role comms <@${CAROL.id}>`, { channel, user: BOB.id }))).toBe(
      `<@${CAROL.id}> is now comms lead of incident #${incident.id}.`,
    );
    expect(text(await h.bot.command(`role comms <@${BOB.id}>`, { channel, user: BOB.id }))).toBe(
      COMMS_RULE(incident.id),
    );
    // The comms lead may not promote themselves to commander.
    expect(text(await h.bot.command(`role commander <@${CAROL.id}>`, { channel, user: CAROL.id }))).toBe(
      COMMANDER_RULE(incident.id),
    );
    expect(grants(h, incident.id).slice(1)).toEqual([
      { by: ALICE.id, role: 'comms', user: BOB.id },
      { by: BOB.id, role: 'comms', user: CAROL.id },
    ]);
  });

  it('lets an admin (a member of the admins group) hand out either role', async () => {
    const { incident, channel } = await declare('Admin steps in sev1');
    expect(text(await h.bot.command(`role commander <@${DAN.id}>`, { channel, user: DAN.id }))).toBe(
      `<@${DAN.id}> is now commander of incident #${incident.id}.`,
    );
    expect(text(await h.bot.command(`role comms <@${BOB.id}>`, { channel, user: DAN.id }))).toBe(
      `<@${BOB.id}> is now comms lead of incident #${incident.id}.`,
    );
    // Now the commander, the admin passes the commander's checks.
    expect(text(await h.bot.command('resolve Fixed', { channel, user: DAN.id }))).toBe(
      `Resolved incident #${incident.id}.`,
    );
    expect(grants(h, incident.id).slice(1)).toEqual([
      { by: DAN.id, role: 'commander', user: DAN.id },
      { by: DAN.id, role: 'comms', user: BOB.id },
    ]);
  });

  it('lets the declarer take the commander role back', async () => {
    const { incident, channel } = await declare('Declarer returns sev3');
    await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: ALICE.id });
    expect(text(await h.bot.command(`role commander <@${ALICE.id}>`, { channel, user: ALICE.id }))).toBe(
      `<@${ALICE.id}> is now commander of incident #${incident.id}.`,
    );
  });
});

describe('resolving by every path needs the resolve permission', () => {
  const h = useBot({ users: USERS, settings: SETTINGS });

  it('`/incident update resolved` is a resolution, and refused like one', async () => {
    const { incident, channel } = await declared(h, 'Update to resolve sev2');
    expect(text(await h.bot.command('update resolved All good now', { channel, user: CAROL.id }))).toBe(
      `Only the commander may resolve incident #${incident.id}.`,
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('investigating');
    expect(h.bot.app.incidents.updates(incident.id)).toEqual([]);
    expect(text(await h.bot.command('update resolved All good now', { channel, user: ALICE.id }))).toBe(
      `Posted a *resolved* update to incident #${incident.id}.`,
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('resolved');
  });

  it('the update form with status resolved is refused under the message field', async () => {
    const { incident } = await declared(h, 'Form to resolve sev2');
    const res = await h.bot.submit(
      VIEW.update,
      {
        status: { value: { type: 'static_select', selected_option: { value: 'resolved' } } },
        message: { value: { type: 'plain_text_input', value: 'Closing it from the form' } },
      },
      { user: CAROL.id, privateMetadata: JSON.stringify({ incident: incident.id }) },
    );
    expect(JSON.parse(res.text)).toEqual({
      response_action: 'errors',
      errors: { message: `Only the commander may resolve incident #${incident.id}.` },
    });
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('investigating');
  });

  it('the Resolve button is refused with who may, by ephemeral reply', async () => {
    const { incident, channel } = await declared(h, 'Button to resolve sev2');
    await h.bot.click('incident_resolve', String(incident.id), { user: BOB.id, channel });
    await eventually(() =>
      ephemeralsFor(h, BOB.id).includes(`Only the commander may resolve incident #${incident.id}.`),
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('investigating');
  });

  it('the publish preview refuses someone who may not publish', async () => {
    const { incident } = await declared(h, 'Preview sev2');
    const meta = JSON.stringify({ incident: incident.id, status: 'identified', body: 'We know', components: [] });
    const res = await h.bot.submit(VIEW.preview, {}, { user: CAROL.id, privateMetadata: meta });
    expect(JSON.stringify(JSON.parse(res.text))).toContain(
      `Only the commander or the comms lead may publish status page updates for incident #${incident.id}.`,
    );
    expect(h.bot.app.incidents.updates(incident.id)).toEqual([]);
  });

  it('reopening needs the resolve permission too (by default), and says who may', async () => {
    const { incident, channel } = await declared(h, 'Reopen sev3');
    await h.bot.command('resolve', { channel, user: ALICE.id });
    expect(text(await h.bot.command('reopen', { channel, user: CAROL.id }))).toBe(
      `Only the commander may reopen incident #${incident.id}.`,
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('resolved');
    expect(text(await h.bot.command('reopen', { channel, user: ALICE.id }))).toBe(
      `Reopened incident #${incident.id}; its channel will not be archived.`,
    );
  });

  it('replacing a hand-edited report (--force) is for the commander, the declarer or an admin', async () => {
    const { incident, channel } = await declared(h, 'Force sev3');
    expect(text(await h.bot.command('postmortem --force', { channel, user: CAROL.id }))).toBe(
      `Only the commander, whoever declared it, or an admin (members of <!subteam^${ADMINS}>) may replace the report of incident #${incident.id} (--force).`,
    );
    const kinds = () =>
      h.bot.app.db.prepare('SELECT kind FROM timeline_events WHERE incident_id = ?').pluck().all(incident.id);
    expect(kinds()).not.toContain('postmortem_requested');
    // Drafting without --force stays open to anyone.
    expect(text(await h.bot.command('postmortem', { channel, user: CAROL.id }))).toMatch(/^Drafting the report/);
  });
});

describe('resolving a paged incident without the permission', () => {
  const h = useBot({ users: USERS, settings: SETTINGS, pagerduty: true });
  const pagedChannel = async (assignees: (typeof PD_ALICE)[]) => {
    const page = h.pd.createIncident({ title: 'Disk full', assignees });
    await h.pd.trigger(page);
    const incident = await eventually(() =>
      h.bot.app.incidents.listOpen().find((i) => i.externalId === page.id && i.summaryTs),
    );
    await settled(h.bot.app);
    return { page, incident, channel: incident.channelId! };
  };

  it('leaves PagerDuty alone: nothing is written to it', async () => {
    const { incident, channel } = await pagedChannel([PD_ALICE]);
    expect(roleOf(h, incident.id, 'commander')).toBe(ALICE.id);
    const writes = () => h.pd.calls.filter((c) => c.method !== 'GET');
    const before = writes().length;
    expect(text(await h.bot.command('update resolved It is fine', { channel, user: CAROL.id }))).toBe(
      `Only the commander may resolve incident #${incident.id}.`,
    );
    await h.bot.submit(
      VIEW.update,
      {
        status: { value: { type: 'static_select', selected_option: { value: 'resolved' } } },
        message: { value: { type: 'plain_text_input', value: 'Closing from the form' } },
      },
      { user: CAROL.id, privateMetadata: JSON.stringify({ incident: incident.id }) },
    );
    await settled(h.bot.app);
    expect(writes().slice(before)).toEqual([]);
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('investigating');
  });

  it('lets a responder claim the commander role a page left vacant', async () => {
    const { incident, channel } = await pagedChannel([PD_DAVE]); // Dave has no Slack account: nobody commands
    expect(roleOf(h, incident.id, 'commander')).toBeNull();
    expect(text(await h.bot.command(`role commander <@${CAROL.id}>`, { channel, user: CAROL.id }))).toBe(
      `<@${CAROL.id}> is now commander of incident #${incident.id}.`,
    );
    expect(text(await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: BOB.id }))).toBe(
      COMMANDER_RULE(incident.id),
    );
  });
});

describe('resolving a public incident with a note (resolve open to anyone, publish to the commander and comms lead)', () => {
  const h = useBot({ users: USERS, settings: 'status_page:\n  publish: [commander, comms]\n' });
  const publicBodies = (id: number) =>
    h.bot.app.incidents
      .updates(id)
      .filter((u) => u.public)
      .map((u) => u.body)
      .reverse(); // oldest first
  const published = async (title: string) => {
    const d = await declared(h, title, ALICE.id);
    expect(
      text(await h.bot.command('update identified We found it --public', { channel: d.channel, user: ALICE.id })),
    ).toMatch(/^Published/);
    return d;
  };

  it('does not let someone who may not publish write the status page with their note: it says the standard words', async () => {
    const { incident, channel } = await published('Public note sev2');
    expect(
      text(
        await h.bot.command('resolve Ha, we got owned. Visit evil.example for refunds', { channel, user: CAROL.id }),
      ),
    ).toBe(`Resolved incident #${incident.id}.`);
    expect(publicBodies(incident.id)).toEqual(['We found it', 'This incident has been resolved.']);
    // The note itself is kept where the team reads it.
    const resolved = h.bot.app.db
      .prepare("SELECT body FROM timeline_events WHERE incident_id = ? AND kind = 'resolved'")
      .pluck()
      .get(incident.id);
    expect(resolved).toBe('Ha, we got owned. Visit evil.example for refunds');
  });

  it('`update resolved` without --public is the same: the note is not published by someone who may not publish', async () => {
    const { incident, channel } = await published('Public update note sev2');
    expect(
      text(await h.bot.command('update resolved Call 555-0100 for a refund', { channel, user: CAROL.id })),
    ).toMatch(/^Posted a \*resolved\* update/);
    expect(publicBodies(incident.id)).toEqual(['We found it', 'This incident has been resolved.']);
  });

  it('publishes the note of someone who may publish, without the Slack mentions in it', async () => {
    const { incident, channel } = await published('Public note by commander sev2');
    await h.bot.command(`resolve Fixed by <@${BOB.id}|bob> and <!subteam^S0SRE|@sre>`, { channel, user: ALICE.id });
    const [, last] = publicBodies(incident.id);
    expect(last).not.toContain('@bob');
    expect(last).not.toContain('@sre');
    expect(last).toMatch(/^Fixed by\s+and\s*$/);
  });
});
