import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/types.ts';
import { ALICE, BOB, CAROL, PD_ALICE, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `comms:\n  rotation: [${ALICE.id}, ${CAROL.id}]\n`;
const UNREACHABLE =
  ':hourglass_flowing_sand: PagerDuty could not be reached; responders will be invited when it answers.';
const ROLES = `:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: <@${CAROL.id}>`;
/** Far more answers than any test makes: the vendor is down until the test says it is back. */
const OUTAGE = 10_000;

const incidentOf = (h: Harness, pdIncidentId: string): Incident | undefined => {
  const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(pdIncidentId) as
    { incident_id: number } | undefined;
  return row && h.bot.app.incidents.get(row.incident_id);
};

/** The incident's channel, once it exists and its summary is pinned. */
const openedRoom = (h: Harness, pdIncidentId: string) =>
  eventually(
    () => {
      const i = incidentOf(h, pdIncidentId);
      return i?.summaryTs && h.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    },
    10_000,
    `the room of ${pdIncidentId}`,
  );

const postsIn = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const roles = (h: Harness, incidentId: number) =>
  h.bot.app.db
    .prepare('SELECT role, user_id FROM incident_roles WHERE incident_id = ? ORDER BY role')
    .all(incidentId) as { role: string; user_id: string }[];
const failedUserLookups = (h: Harness) =>
  h.pd.calls.filter((c) => c.operation === 'GET /users/{id}' && c.status === 503);
const settle = (h: Harness) =>
  eventually(
    () => h.bot.app.outbox.dueDepth(Date.now()) === 0 && h.bot.app.worker.inFlightCount === 0,
    10_000,
    'a settled outbox',
  );

describe('a page while PagerDuty is down', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('a page while PagerDuty answers 503 opens its room (channel, pinned summary) and later, when PagerDuty recovers, gets its invites and roles', async () => {
    h.pd.inject(...Array.from({ length: OUTAGE }, () => ({ status: 503 as const })));
    const page = h.pd.createIncident({ title: 'Payment errors above 5%', assignees: [PD_ALICE], priority: 'P1' });
    expect((await h.pd.trigger(page)).json).toMatchObject({ status: 'opened' });

    // During the outage: the room, what fired, nobody staffed yet.
    const incident = await openedRoom(h, page.id);
    // The room does not wait for PagerDuty: its pin may come before the first lookup has failed.
    await eventually(() => failedUserLookups(h).length > 0, 10_000, 'a failed user lookup');
    const channel = h.slack.ws.channels.get(incident.channelId!)!;
    expect([...channel.members]).toEqual(['U0BOT0001']);
    expect(roles(h, incident.id)).toEqual([]);
    expect(channel.topic).toContain('Payment errors above 5%');
    expect(JSON.stringify(h.slack.ws.message(channel.id, incident.summaryTs!)!.blocks)).toContain(
      'Assigned: Alice Anders',
    );

    h.pd.clearFaults();
    await eventually(() => channel.members.has(ALICE.id), 10_000, 'Alice invited');
    await settle(h);
    expect(roles(h, incident.id)).toEqual([
      { role: 'commander', user_id: ALICE.id },
      { role: 'comms', user_id: CAROL.id },
    ]);
    expect([...channel.members].sort()).toEqual([ALICE.id, CAROL.id, 'U0BOT0001'].sort());
    // The summary and the topic were opened with the roles vacant and now name them.
    expect(channel.topic).toContain(`Commander: <@${ALICE.id}>`);
    expect(JSON.stringify(h.slack.ws.message(channel.id, incident.summaryTs!)!.blocks)).toContain(
      `*Comms lead*\\n<@${CAROL.id}>`,
    );
    expect(postsIn(h, channel.id)).toContain(ROLES);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
    expect(h.bot.app.db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck().get()).toBe(0);
    expect(h.pd.rejected).toEqual([]);
    expect(h.slack.rejected).toEqual([]);
  });

  it('the room says once that PagerDuty could not be reached', async () => {
    h.pd.inject(...Array.from({ length: OUTAGE }, () => ({ status: 503 as const })));
    const page = h.pd.createIncident({ title: 'Queue backlog', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await openedRoom(h, page.id);
    await eventually(() => postsIn(h, incident.channelId!).includes(UNREACHABLE), 10_000, 'the outage notice');
    // The lookup keeps retrying; the room is not told again.
    const failedSoFar = failedUserLookups(h).length;
    await eventually(() => failedUserLookups(h).length >= failedSoFar + 3, 10_000, 'three more failed lookups');
    await settle(h);
    expect(postsIn(h, incident.channelId!).filter((t) => t === UNREACHABLE)).toHaveLength(1);

    h.pd.clearFaults();
    await eventually(() => postsIn(h, incident.channelId!).includes(ROLES), 10_000, 'the roles notice');
    await settle(h);
    const posts = postsIn(h, incident.channelId!);
    expect(posts.filter((t) => t === UNREACHABLE)).toHaveLength(1);
    // Told in order: the outage first, then who answers for the incident.
    expect(posts.indexOf(UNREACHABLE)).toBeLessThan(posts.indexOf(ROLES));
  });
});

describe('a page while PagerDuty refuses the bot', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('opens its room and says once what to fix when PagerDuty refuses the token', async () => {
    h.pd.revokeToken();
    const page = h.pd.createIncident({ title: 'Login failures', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await openedRoom(h, page.id);
    const refused = (t: string) => t.startsWith(":warning: PagerDuty refused the bot's API token");
    await eventually(() => postsIn(h, incident.channelId!).some(refused), 10_000, 'the refusal notice');
    const refusedSoFar = h.pd.calls.filter((c) => c.status === 401).length;
    await eventually(
      () => h.pd.calls.filter((c) => c.status === 401).length >= refusedSoFar + 2,
      10_000,
      'two more refused lookups',
    );
    expect(postsIn(h, incident.channelId!).filter(refused)).toHaveLength(1);
    expect(postsIn(h, incident.channelId!)).not.toContain(UNREACHABLE);
    expect(roles(h, incident.id)).toEqual([]);
  });
});

describe('chat while PagerDuty is down', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('an acknowledgement made in chat does not hold up the room; it reaches PagerDuty when it answers', async () => {
    const page = h.pd.createIncident({ title: 'Search down', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await openedRoom(h, page.id);
    await settle(h);
    h.pd.inject(...Array.from({ length: OUTAGE }, () => ({ status: 503 as const })));
    await h.bot.command('ack', { user: BOB.id, channel: incident.channelId! });
    await h.bot.command('update investigating Checking the replica', { user: ALICE.id, channel: incident.channelId! });
    await eventually(
      () => postsIn(h, incident.channelId!).some((t) => t.includes('Checking the replica')),
      10_000,
      'the update in the room',
    );
    expect(h.pd.calls.some((c) => c.operation === 'PUT /incidents/{id}' && c.status === 503)).toBe(true);
    expect(h.pd.incidents.get(page.id)!.status).toBe('triggered');

    h.pd.clearFaults();
    await eventually(() => h.pd.incidents.get(page.id)!.status === 'acknowledged', 10_000, 'the write-back');
    await settle(h);
    expect(h.pd.succeeded('PUT /incidents/{id}')).toHaveLength(1);
  });
});

describe('a page while Slack is down', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('a page while Slack is down opens its room when Slack returns', async () => {
    h.slack.inject('*', ...Array.from({ length: OUTAGE }, () => ({ status: 503 as const })));
    const page = h.pd.createIncident({ title: 'Disk full on db-3', assignees: [PD_ALICE] });
    expect((await h.pd.trigger(page)).json).toMatchObject({ status: 'opened' });
    const failedCreates = () => h.slack.calls.filter((c) => c.method === 'conversations.create' && c.status === 503);
    await eventually(() => failedCreates().length >= 3, 10_000, 'three refused channel creations');
    expect(incidentOf(h, page.id)?.channelId ?? null).toBeNull();

    h.slack.clearFaults();
    const incident = await openedRoom(h, page.id);
    const channel = h.slack.ws.channels.get(incident.channelId!)!;
    await eventually(() => channel.members.has(ALICE.id), 10_000, 'Alice invited');
    await settle(h);
    expect(roles(h, incident.id)).toEqual([
      { role: 'commander', user_id: ALICE.id },
      { role: 'comms', user_id: CAROL.id },
    ]);
    const posts = postsIn(h, channel.id);
    expect(posts.filter((t) => t === ROLES)).toHaveLength(1);
    // Slack's outage is not PagerDuty's: the room is not told PagerDuty was unreachable.
    expect(posts).not.toContain(UNREACHABLE);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
    // The summary pinned once (and, beside it, the comms lead's duties once).
    const pins = h.slack.succeeded('pins.add').map((c) => c.args.timestamp);
    expect(pins.filter((ts) => ts === incident.summaryTs)).toHaveLength(1);
    expect(pins).toHaveLength(2);
    expect(h.bot.app.db.prepare("SELECT count(*) FROM outbox WHERE state = 'dead'").pluck().get()).toBe(0);
    expect(h.slack.rejected).toEqual([]);
  });
});
