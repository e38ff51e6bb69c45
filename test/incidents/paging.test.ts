import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, Domain, MINUTE, START, actor, pagerEvent } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

const SERVICE = { kind: 'service', id: 'PSVC001' } as const;
const POLICY = { kind: 'escalation_policy', id: 'PPOL001' } as const;

describe('paging from an incident', () => {
  it('records the page with its key, notes it on the timeline and in the room, and queues the request', () => {
    d = new Domain();
    const id = d.declare().id;
    const { page } = d.service.pageFromIncident(id, SERVICE, 'DB on fire', actor(BOB));
    expect(page).toMatchObject({
      incidentId: id,
      target: SERVICE,
      serviceId: 'PSVC001',
      title: 'DB on fire',
      requestedBy: BOB,
      status: 'requested',
      externalId: null,
    });
    expect(page.incidentKey).toMatch(new RegExp(`^incident-bot/${id}/page/1/`));
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'page_requested', actor: BOB, body: 'DB on fire' });
    expect(d.notices(id).at(-1)).toMatchObject({ type: 'page_requested', by: BOB, target: SERVICE });
    const row = d.effects(id).find((e) => e.kind === 'external.page')!;
    expect(row).toMatchObject({ orderingKey: `incident:${id}:paging`, payload: { pageId: page.id } });
  });

  it("takes the incident's title when no message is given", () => {
    d = new Domain();
    const id = d.declare().id;
    expect(d.service.pageFromIncident(id, SERVICE, '  ', actor(BOB)).page.title).toBe('API errors');
  });

  it('files a page to an escalation policy under the configured service, and refuses without one', () => {
    d = new Domain();
    const id = d.declare().id;
    const error = d.refused(() => d.service.pageFromIncident(id, POLICY, null, actor(BOB)), 'not_configured');
    expect(error.message).toBe('Set pagerduty.page_service.');
    d.close();
    d = new Domain({ settings: { pagerduty: { page_service: 'PSVC009' } } });
    const other = d.declare().id;
    expect(d.service.pageFromIncident(other, POLICY, null, actor(BOB)).page.serviceId).toBe('PSVC009');
  });

  it('files a page to a policy under the service of the page that opened the incident', () => {
    d = new Domain();
    const id = d.service.applyExternal(
      pagerEvent('triggered', 'd1', START, { snapshot: { serviceId: 'PSVCPG1' } }),
    ).incidentId!;
    expect(d.service.pageFromIncident(id, POLICY, null, actor(BOB)).page.serviceId).toBe('PSVCPG1');
  });

  it('pages once per cause: an automation firing again gets the first page back', () => {
    d = new Domain();
    const id = d.declare().id;
    const first = d.service.pageFromIncident(id, SERVICE, null, null, {
      cause: 'automation:disk-full:evt1',
    });
    const again = d.service.pageFromIncident(id, SERVICE, null, null, { cause: 'automation:disk-full:evt1' });
    expect(again).toEqual({ page: first.page, repeated: true });
    expect(d.effects(id).filter((e) => e.kind === 'external.page')).toHaveLength(1);
  });

  it('is refused by the permissions table as configured, and on a resolved incident', () => {
    d = new Domain({ settings: { permissions: { page: ['commander'] } } });
    const id = d.declare(ALICE).id;
    const error = d.refused(() => d.service.pageFromIncident(id, SERVICE, null, actor(CAROL)), 'forbidden');
    expect(error.message).toContain(`page from incident #${id}`);
    d.service.resolve(id, actor(ALICE), null);
    d.refused(() => d.service.pageFromIncident(id, SERVICE, null, actor(ALICE)), 'bad_argument');
  });

  it("routes the paging system's events about the page to its incident: acknowledged invites, never opens", () => {
    d = new Domain();
    const id = d.declare().id;
    const { page } = d.service.pageFromIncident(id, SERVICE, 'help', actor(BOB));
    // The trigger can beat the answer to our request: it is known by the key we gave it.
    const trigger = pagerEvent('triggered', 'p1', START, {
      externalId: 'PNEW001',
      snapshot: { dedupKey: page.incidentKey, assignees: [] },
    });
    expect(d.service.applyExternal(trigger)).toEqual({ outcome: 'no_change', incidentId: id });
    expect(d.counts().incidents).toBe(1);

    d.advance(MINUTE);
    const ack = pagerEvent('acknowledged', 'p2', START + MINUTE, {
      externalId: 'PNEW001',
      actor: 'Pat Pager',
      actorRef: { id: 'PUSER01', name: 'Pat Pager' },
      snapshot: { assignees: [{ id: 'PUSER02', name: 'Sam Second' }] },
    });
    const invites = d.effectsOf(() => expect(d.service.applyExternal(ack).outcome).toBe('applied'));
    expect(invites.find((e) => e.kind === 'people.resolve')?.payload).toMatchObject({
      purpose: 'invite',
      people: [
        { id: 'PUSER01', name: 'Pat Pager' },
        { id: 'PUSER02', name: 'Sam Second' },
      ],
    });
    // The incident itself is not acknowledged by someone answering a call for help.
    expect(d.incident(id).acknowledgedAt).toBeNull();
    expect(d.kinds(id)).toContain('page_acknowledged');
    // Resolving the page there does not resolve the incident.
    d.service.applyExternal(pagerEvent('resolved', 'p3', START + 2 * MINUTE, { externalId: 'PNEW001' }));
    expect(d.incident(id).status).toBe('investigating');
    expect(d.counts().incidents).toBe(1);
  });
});

describe('escalating an incident', () => {
  it('moves the page that opened it one level up each time, and once per cause', () => {
    d = new Domain();
    const id = d.service.applyExternal(pagerEvent('triggered', 'd1', START)).incidentId!;
    expect(d.service.escalateIncident(id, { cause: 'unack:1' })).toEqual({
      externalId: 'PINC001',
      level: 2,
      repeated: false,
    });
    expect(d.service.escalateIncident(id, { cause: 'unack:1' })).toMatchObject({ level: 2, repeated: true });
    expect(d.service.escalateIncident(id, { cause: 'unack:2' })).toMatchObject({ level: 3, repeated: false });
    expect(
      d
        .effects(id)
        .filter((e) => e.kind === 'external.escalate')
        .map((e) => e.payload.level),
    ).toEqual([2, 3]);
  });

  it('escalates the newest page sent from a declared incident; refuses when there is none', () => {
    d = new Domain();
    const id = d.declare().id;
    d.refused(() => d.service.escalateIncident(id), 'bad_argument');
    const { page } = d.service.pageFromIncident(id, SERVICE, null, actor(BOB));
    d.service.pageCreated(page.id, 'PNEW001', null, 'o1');
    expect(d.service.escalateIncident(id)).toMatchObject({ externalId: 'PNEW001', level: 2 });
  });

  it('asks for a refused level again next time', () => {
    d = new Domain();
    const id = d.service.applyExternal(pagerEvent('triggered', 'd1', START)).incidentId!;
    d.service.escalateIncident(id);
    const escalationId = d.effects(id).find((e) => e.kind === 'external.escalate')!.payload.escalationId as number;
    d.service.escalationRefused(escalationId, 'Escalation level not found', 'o1');
    expect(d.notices(id).at(-1)).toMatchObject({ type: 'escalation_refused', level: 2 });
    expect(d.service.escalateIncident(id)).toMatchObject({ level: 2 });
  });
});
