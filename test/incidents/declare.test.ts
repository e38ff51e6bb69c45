import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, DAVE, Domain, MINUTE, START } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

describe('declaring an incident', () => {
  describe('refuses bad input and writes nothing', () => {
    it.each([
      ['an empty title', { title: '' }, 'needs a title'],
      ['a title of only spaces', { title: '   \n ' }, 'needs a title'],
      ['a title over 150 characters', { title: 'x'.repeat(151) }, 'at most 150'],
      ['a public name over 150 characters', { publicTitle: 'p'.repeat(151) }, 'at most 150'],
      ['a description over 3000 characters', { description: 'd'.repeat(3001) }, 'at most 3000'],
    ])('%s', (_what, input, message) => {
      d = new Domain();
      const error = d.refused(() => d.declare(ALICE, input), 'bad_argument');
      expect(error.message).toContain(message);
    });

    it('a component the settings do not know, naming it', () => {
      d = new Domain({ settings: { components: [{ id: 'api', name: 'API' }] } });
      const error = d.refused(
        () =>
          d.declare(ALICE, {
            components: [
              { id: 'api', status: 'major_outage' },
              { id: 'billing', status: 'degraded_performance' },
            ],
          }),
        'bad_argument',
      );
      expect(error.message).toBe('Unknown component billing.');
    });
  });

  it('accepts a title of exactly 150 characters and a description of exactly 3000, trimmed', () => {
    d = new Domain();
    const incident = d.declare(ALICE, { title: `  ${'t'.repeat(150)}  `, description: ` ${'d'.repeat(3000)} ` });
    expect(incident.title).toBe('t'.repeat(150));
    expect(incident.description).toBe('d'.repeat(3000));
  });

  it('stores the incident open, investigating, with who declared it and when', () => {
    d = new Domain();
    const incident = d.declare(ALICE, { severity: 'sev2', description: '  5xx on /checkout ' });
    expect(incident).toMatchObject({
      id: 1,
      title: 'API errors',
      description: '5xx on /checkout',
      severity: 'sev2',
      status: 'investigating',
      source: 'slack',
      externalId: null,
      declaredBy: ALICE,
      declaredAt: START,
      acknowledgedAt: null,
      resolvedAt: null,
      publicAt: null,
    });
  });

  describe('the public name', () => {
    it('defaults to the title', () => {
      d = new Domain();
      expect(d.declare(ALICE).publicTitle).toBe('API errors');
    });

    it('is the one given, trimmed, when given', () => {
      d = new Domain();
      expect(
        d.declare(ALICE, { title: 'DB primary lost (ask @bob)', publicTitle: '  Slow checkout  ' }).publicTitle,
      ).toBe('Slow checkout');
    });

    it('falls back to the title when the one given is blank', () => {
      d = new Domain();
      expect(d.declare(ALICE, { publicTitle: '   ' }).publicTitle).toBe('API errors');
    });
  });

  describe('the commander', () => {
    it('is whoever declared it, when nobody else is named', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      expect(d.roleOf(id, 'commander')).toBe(ALICE);
    });

    it('is the person named, assigned by the declarer', () => {
      d = new Domain();
      const { id } = d.declare(ALICE, { commander: BOB });
      expect(d.service.roles(id)).toContainEqual({
        role: 'commander',
        userId: BOB,
        assignedAt: START,
        assignedBy: ALICE,
      });
    });
  });

  describe('the comms lead', () => {
    it('is the next person in the rotation, taking turns across incidents', () => {
      d = new Domain({ settings: { comms: { rotation: [BOB, CAROL, DAVE] } } });
      const picked = [1, 2, 3, 4].map(() => d.roleOf(d.declare(ALICE).id, 'comms'));
      expect(picked).toEqual([BOB, CAROL, DAVE, BOB]);
    });

    it('is never the commander while someone else in the rotation is available', () => {
      d = new Domain({ settings: { comms: { rotation: [ALICE, BOB] } } });
      for (let i = 0; i < 4; i++) {
        const { id } = d.declare(ALICE);
        expect(d.roleOf(id, 'comms')).toBe(BOB);
      }
    });

    it('is never the commander: with nobody else in the rotation the role stays vacant, and the room hears why', () => {
      d = new Domain({ settings: { comms: { rotation: [ALICE] } } });
      const { id } = d.declare(ALICE);
      expect(d.roleOf(id, 'comms')).toBeNull();
      expect(d.notices(id)).toEqual([{ type: 'roles', commander: ALICE, comms: null, vacancy: 'only_commander' }]);
      expect(d.incident(id).commsNagAt).toBe(START + 5 * MINUTE);
    });

    it('is assigned by nobody (the bot), with the role in the timeline', () => {
      d = new Domain({ settings: { comms: { rotation: [BOB] } } });
      const { id } = d.declare(ALICE);
      expect(
        d
          .timeline(id)
          .filter((e) => e.kind === 'role_assigned')
          .map((e) => ({ actor: e.actor, data: e.data })),
      ).toEqual([
        { actor: ALICE, data: { role: 'commander', user: ALICE, from: null } },
        { actor: null, data: { role: 'comms', user: BOB, from: null } },
      ]);
    });
  });

  describe('the clocks', () => {
    it('make the first update due one cadence after the declaration, and set no nag when comms is staffed', () => {
      d = new Domain({
        settings: { comms: { rotation: [BOB] }, update_cadence_minutes: { sev1: 10, sev2: 20, sev3: 45, sev4: 90 } },
      });
      const incident = d.declare(ALICE, { severity: 'sev2' });
      expect(incident.updateDueAt).toBe(START + 20 * MINUTE);
      expect(incident.commsNagAt).toBeNull();
    });

    it('call out a vacant comms role after the configured minutes', () => {
      d = new Domain({ settings: { comms_vacant_reminder_minutes: 7 } });
      const { id, commsNagAt } = d.declare(ALICE);
      expect(d.roleOf(id, 'comms')).toBeNull();
      expect(commsNagAt).toBe(START + 7 * MINUTE);
    });
  });

  it('records the declaration in the timeline, with severity and source', () => {
    d = new Domain();
    const { id } = d.declare(ALICE, { severity: 'sev1' });
    expect(d.timeline(id)[0]).toMatchObject({
      kind: 'declared',
      at: START,
      actor: ALICE,
      body: 'API errors',
      data: { severity: 'sev1', source: 'slack' },
    });
  });

  it('keeps the components it was declared with, for when it is published', () => {
    d = new Domain({
      settings: {
        components: [
          { id: 'api', name: 'API' },
          { id: 'web', name: 'Web' },
        ],
      },
    });
    const { id, publicAt } = d.declare(ALICE, { components: [{ id: 'web', status: 'partial_outage' }] });
    expect(d.updateRepo.componentStatuses(id)).toEqual([{ id: 'web', status: 'partial_outage' }]);
    expect(publicAt).toBeNull();
  });

  describe('its effects', () => {
    it('open the room ahead of anything else, in order, inviting declarer, commander and comms lead once each', () => {
      d = new Domain({ settings: { comms: { rotation: [CAROL] } } });
      const { id } = d.declare(ALICE, { commander: BOB });
      const effects = d.effects(id);
      expect(effects.map((e) => [e.kind, e.idempotencyKey, e.priority])).toEqual([
        ['channel.create', `incident:${id}:channel.create:open`, -1],
        ['channel.invite', `incident:${id}:channel.invite:${[ALICE, BOB, CAROL].sort().join(',')}`, -1],
        ['channel.set_topic', `incident:${id}:channel.set_topic:open`, -1],
        ['channel.post_summary', `incident:${id}:channel.post_summary:open`, -1],
        ['channel.pin_summary', `incident:${id}:channel.pin_summary:open`, -1],
        ['channel.notice', `incident:${id}:channel.notice:roles:declared`, 0],
        ['channel.duties', `incident:${id}:channel.duties:declared`, 0],
      ]);
      expect(new Set(effects.map((e) => e.orderingKey))).toEqual(new Set([`incident:${id}`]));
      expect(effects[1]!.payload).toEqual({ users: [ALICE, BOB, CAROL].sort() });
    });

    it('announce the roles, naming a vacant comms lead and why', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      expect(d.notices(id)).toEqual([{ type: 'roles', commander: ALICE, comms: null, vacancy: 'none_configured' }]);
      expect(d.effects(id)[1]!.payload).toEqual({ users: [ALICE] });
    });

    it('wake the outbox worker once, after the transaction', () => {
      d = new Domain();
      d.declare(ALICE);
      expect(d.wakes).toBe(1);
    });
  });
});
