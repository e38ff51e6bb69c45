import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, Domain, MINUTE, START, actor } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

const COMPONENTS = {
  components: [
    { id: 'api', name: 'API' },
    { id: 'web', name: 'Web' },
  ],
};

describe('posting an update', () => {
  describe('refuses bad input and writes nothing', () => {
    it.each([
      ['an empty message', ''],
      ['a message of only spaces', '  \n\t '],
      ['a message over 3000 characters', 'u'.repeat(3001)],
    ])('%s', (_what, body) => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      d.refused(() => d.service.postUpdate(id, 'identified', body, actor(ALICE)), 'bad_argument');
    });

    it('a component the settings do not know, listing the ones they do', () => {
      d = new Domain({ settings: COMPONENTS });
      const { id } = d.declare(ALICE);
      const error = d.refused(
        () =>
          d.service.postUpdate(id, 'identified', 'x', actor(ALICE), {
            components: [{ id: 'billing', status: 'major_outage' }],
          }),
        'bad_argument',
      );
      expect(error.message).toContain('billing');
      expect(error.message).toContain('api, web');
    });

    it('an update to a resolved incident', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      d.service.resolve(id, actor(ALICE), null);
      expect(
        d.refused(() => d.service.postUpdate(id, 'identified', 'late', actor(ALICE)), 'bad_argument').message,
      ).toContain('resolved');
    });
  });

  it('accepts a message of exactly 3000 characters', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.postUpdate(id, 'identified', 'u'.repeat(3000), actor(ALICE));
    expect(d.service.updates(id)[0]!.body).toHaveLength(3000);
  });

  it('keeps the latest update at hand without reading the others (status shows it at every call)', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.service.latestUpdate(id)).toBeUndefined();
    d.advance(MINUTE);
    d.service.postUpdate(id, 'investigating', 'Looking.', actor(BOB));
    d.advance(MINUTE);
    d.service.postUpdate(id, 'identified', 'Found it.', actor(BOB));
    // Two in the same millisecond: the later one is the latest.
    d.service.postUpdate(id, 'monitoring', 'Fixed, watching.', actor(BOB));
    expect(d.service.latestUpdate(id)).toEqual(d.service.updates(id)[0]);
    expect(d.service.latestUpdate(id)).toMatchObject({ status: 'monitoring', body: 'Fixed, watching.' });
  });

  it('records it, moves the status and makes the next one due a cadence from now', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.advance(10 * MINUTE);
    const answered = d.service.postUpdate(id, 'identified', '  Bad deploy found. ', actor(BOB));
    expect(d.incident(id)).toMatchObject({
      status: 'identified',
      lastUpdateAt: START + 10 * MINUTE,
      updateDueAt: START + 70 * MINUTE,
      updatedAt: START + 10 * MINUTE,
    });
    // What it answers (the command's reply shows it) is the incident as stored.
    expect(answered).toEqual(d.incident(id));
    expect(d.service.updates(id)).toEqual([
      {
        id: 1,
        incidentId: id,
        at: START + 10 * MINUTE,
        status: 'identified',
        body: 'Bad deploy found.',
        author: BOB,
        public: false,
        components: [],
      },
    ]);
    expect(d.timeline(id).at(-1)).toMatchObject({
      kind: 'update',
      actor: BOB,
      body: 'Bad deploy found.',
      data: { status: 'identified', public: false, components: [] },
    });
  });

  it('posts it in the channel, and refreshes summary and topic only when the status changed', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const first = d.effectsOf(() => d.service.postUpdate(id, 'identified', 'Found it', actor(BOB)));
    // The comms lead's pinned duties follow too: the next update is due later now.
    expect(first.map((e) => e.kind)).toEqual([
      'channel.notice',
      'channel.duties',
      'channel.update_summary',
      'channel.set_topic',
    ]);
    expect(first[0]!.payload.notice).toEqual({
      type: 'update',
      status: 'identified',
      body: 'Found it',
      by: BOB,
      public: false,
    });
    const same = d.effectsOf(() => d.service.postUpdate(id, 'identified', 'Still on it', actor(BOB)));
    expect(same.map((e) => e.kind)).toEqual(['channel.notice', 'channel.duties']);
  });

  describe('that says "resolved"', () => {
    it('is a resolution, with everything a resolution brings', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      const kinds = d
        .effectsOf(() => d.service.postUpdate(id, 'resolved', 'All clear', actor(ALICE)))
        .map((e) => e.kind);
      expect(d.incident(id)).toMatchObject({ status: 'resolved', resolvedAt: START, updateDueAt: null });
      expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'resolved', body: 'All clear' });
      expect(kinds).toEqual(expect.arrayContaining(['channel.archive', 'postmortem.publish']));
      expect(d.notices(id).map((n) => n.type)).toContain('closing_summary');
    });

    it('needs the permission to resolve', () => {
      d = new Domain({ settings: { permissions: { resolve: ['commander'] } } });
      const { id } = d.declare(ALICE);
      const error = d.refused(() => d.service.postUpdate(id, 'resolved', 'All clear', actor(BOB)), 'forbidden');
      expect(error.message).toBe(`Only the commander may resolve incident #${id}.`);
      expect(d.incident(id).status).toBe('investigating');
    });
  });

  describe('made public', () => {
    it('publishes the incident the first time, and keeps that time on later public updates', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      d.service.postUpdate(id, 'investigating', 'internal first', actor(ALICE));
      expect(d.incident(id).publicAt).toBeNull();
      d.advance(MINUTE);
      d.service.postUpdate(id, 'identified', 'We found the cause.', actor(ALICE), { public: true });
      d.advance(MINUTE);
      d.service.postUpdate(id, 'monitoring', 'A fix is out.', actor(ALICE), { public: true });
      expect(d.incident(id).publicAt).toBe(START + MINUTE);
      expect(d.service.updates(id).map((u) => u.public)).toEqual([true, true, false]);
      expect(
        d
          .notices(id)
          .filter((n) => n.type === 'update')
          .map((n) => n.public),
      ).toEqual([false, true, true]);
    });

    it('moves the components it names; an internal update records its claim but moves none', () => {
      d = new Domain({ settings: COMPONENTS });
      const { id } = d.declare(ALICE);
      d.service.postUpdate(id, 'identified', 'internal', actor(ALICE), {
        components: [{ id: 'api', status: 'major_outage' }],
      });
      expect(d.updateRepo.componentStatuses(id)).toEqual([]);
      expect(d.service.updates(id)[0]!.components).toEqual([{ id: 'api', old: 'operational', new: 'major_outage' }]);

      d.service.postUpdate(id, 'identified', 'public', actor(ALICE), {
        public: true,
        components: [{ id: 'api', status: 'partial_outage' }],
      });
      d.service.postUpdate(id, 'monitoring', 'better', actor(ALICE), {
        public: true,
        components: [{ id: 'api', status: 'degraded_performance' }],
      });
      expect(d.updateRepo.componentStatuses(id)).toEqual([{ id: 'api', status: 'degraded_performance' }]);
      expect(d.service.updates(id)[0]!.components).toEqual([
        { id: 'api', old: 'partial_outage', new: 'degraded_performance' },
      ]);
    });

    it('is mirrored to Statuspage, one row per update, only when mirroring is on', () => {
      d = new Domain({ mirrorStatuspage: true });
      const { id } = d.declare(ALICE);
      d.service.postUpdate(id, 'identified', 'internal', actor(ALICE));
      d.service.postUpdate(id, 'identified', 'public', actor(ALICE), { public: true });
      const mirror = d.effects(id).filter((e) => e.kind === 'statuspage.sync');
      expect(mirror).toEqual([
        expect.objectContaining({
          orderingKey: `incident:${id}:statuspage`,
          idempotencyKey: `incident:${id}:statuspage.sync:2`,
          payload: { updateId: 2 },
        }),
      ]);
    });

    it('is not mirrored when mirroring is off', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      d.service.postUpdate(id, 'identified', 'public', actor(ALICE), { public: true });
      expect(d.effects(id).map((e) => e.kind)).not.toContain('statuspage.sync');
    });

    it('needs the permission to publish, and a refusal publishes nothing', () => {
      d = new Domain();
      const { id } = d.declare(ALICE);
      const error = d.refused(
        () => d.service.postUpdate(id, 'identified', 'psst', actor(CAROL), { public: true }),
        'forbidden',
      );
      expect(error.message).toBe(
        `Only the commander or the comms lead may publish status page updates for incident #${id}.`,
      );
      expect(d.incident(id).publicAt).toBeNull();
    });
  });
});

describe('the update reminders', () => {
  it('remind once when an update is overdue, naming the comms lead and how long it has been', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    expect(d.service.sendReminders(START + 59 * MINUTE)).toBe(0);
    expect(d.service.sendReminders(START + 60 * MINUTE)).toBe(1);
    expect(d.notices(id).at(-1)).toEqual({ type: 'update_overdue', comms: BOB, minutes: 60 });
    expect(d.effects(id).map((e) => e.idempotencyKey)).toContain(
      `incident:${id}:channel.notice:update_overdue:due:${START + 60 * MINUTE}`,
    );
    expect(d.service.sendReminders(START + 61 * MINUTE)).toBe(0);
    expect(d.incident(id).updateDueAt).toBe(START + 120 * MINUTE);
  });

  it('remind once, not three times, after three missed intervals, and then from the next one on', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    expect(d.service.sendReminders(START + 200 * MINUTE)).toBe(1);
    expect(d.incident(id).updateDueAt).toBe(START + 240 * MINUTE);
    expect(d.notices(id).filter((n) => n.type === 'update_overdue')).toHaveLength(1);
  });

  it('stop being due when an update is posted', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    d.now = START + 50 * MINUTE;
    d.service.postUpdate(id, 'identified', 'on it', actor(BOB));
    expect(d.service.sendReminders(START + 100 * MINUTE)).toBe(0);
    expect(d.service.sendReminders(START + 110 * MINUTE)).toBe(1);
  });

  it('call out a vacant comms role every few minutes until someone takes it', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.postUpdate(id, 'identified', 'keeps the update clock quiet', actor(ALICE));
    expect(d.service.sendReminders(START + 4 * MINUTE)).toBe(0);
    expect(d.service.sendReminders(START + 5 * MINUTE)).toBe(1);
    expect(d.service.sendReminders(START + 10 * MINUTE)).toBe(1);
    expect(d.notices(id).filter((n) => n.type === 'comms_vacant')).toHaveLength(2);
    d.now = START + 11 * MINUTE;
    d.service.handOff(id, 'comms', CAROL, actor(CAROL));
    expect(d.incident(id).commsNagAt).toBeNull();
    expect(d.service.sendReminders(START + 30 * MINUTE)).toBe(0);
  });

  it('wake the worker only when they enqueued something', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    d.declare(ALICE);
    const wakes = d.wakes;
    d.service.sendReminders(START + MINUTE);
    expect(d.wakes).toBe(wakes);
    d.service.sendReminders(START + 60 * MINUTE);
    expect(d.wakes).toBe(wakes + 1);
  });
});

describe('handing off a role', () => {
  it('lets anyone take a vacant role for themselves', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.handOff(id, 'comms', CAROL, actor(CAROL));
    expect(d.roleOf(id, 'comms')).toBe(CAROL);
    expect(d.timeline(id).at(-1)).toMatchObject({
      kind: 'role_assigned',
      actor: CAROL,
      data: { role: 'comms', user: CAROL, from: null },
    });
  });

  it('does not let just anyone give a vacant role to someone else', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.refused(() => d.service.handOff(id, 'comms', BOB, actor(CAROL)), 'forbidden');
    expect(d.roleOf(id, 'comms')).toBeNull();
  });

  it('invites the new holder, announces the hand-off and refreshes summary and topic', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    const effects = d.effectsOf(() => d.service.handOff(id, 'comms', CAROL, actor(ALICE)));
    expect(effects.map((e) => e.kind)).toEqual([
      'channel.invite',
      'channel.notice',
      'channel.update_summary',
      'channel.set_topic',
      'channel.duties',
    ]);
    expect(effects[0]!.payload).toEqual({ users: [CAROL] });
    expect(effects[1]!.payload.notice).toEqual({ type: 'handoff', role: 'comms', from: BOB, to: CAROL, by: ALICE });
    expect(d.roleOf(id, 'comms')).toBe(CAROL);
  });

  it('is refused when the person already holds the role', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.refused(() => d.service.handOff(id, 'commander', ALICE, actor(ALICE)), 'bad_argument').message).toContain(
      'already',
    );
  });
});

describe('notes, follow-ups, impact and the public name', () => {
  it('a note goes into the timeline and nowhere else', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const effects = d.effectsOf(() => d.service.addNote(id, ' restarted the pods ', BOB));
    expect(effects).toEqual([]);
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'note', actor: BOB, body: 'restarted the pods' });
    d.refused(() => d.service.addNote(id, '  ', BOB), 'bad_argument');
    d.refused(() => d.service.addNote(id, 'n'.repeat(3001), BOB), 'bad_argument');
  });

  it('a follow-up is stored with its owner, recorded and announced', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const followup = d.service.addFollowup(id, 'Alert on p99 latency', CAROL, BOB);
    expect(d.timeline(id).at(-1)).toMatchObject({
      kind: 'followup',
      actor: BOB,
      body: 'Alert on p99 latency',
      data: { followup_id: followup, owner: CAROL },
    });
    expect(d.notices(id).at(-1)).toEqual({ type: 'followup', text: 'Alert on p99 latency', owner: CAROL, by: BOB });
    d.refused(() => d.service.addFollowup(id, '', null, BOB), 'bad_argument');
  });

  it('the impact statement is the latest one given', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.setImpact(id, 'Some EU customers', BOB);
    d.service.setImpact(id, 'All EU customers, 20 minutes', BOB);
    expect(d.incident(id).customerImpact).toBe('All EU customers, 20 minutes');
    expect(d.kinds(id).filter((k) => k === 'impact')).toHaveLength(2);
  });

  it('the public name is set by whoever may publish, bounded, and recorded', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.setPublicName(id, '  Slow checkout ', actor(ALICE));
    expect(d.incident(id).publicTitle).toBe('Slow checkout');
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'public_name_set', actor: ALICE, body: 'Slow checkout' });
    d.refused(() => d.service.setPublicName(id, 'Leaked internals', actor(CAROL)), 'forbidden');
    d.refused(() => d.service.setPublicName(id, 'p'.repeat(151), actor(ALICE)), 'bad_argument');
    d.refused(() => d.service.setPublicName(id, ' ', actor(ALICE)), 'bad_argument');
    expect(d.incident(id).publicTitle).toBe('Slow checkout');
  });

  it('asking for the report again queues a new draft each time; forcing it needs the permission', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.requestPostmortem(id, actor(CAROL));
    d.service.requestPostmortem(id, actor(CAROL));
    expect(d.effects(id).filter((e) => e.kind === 'postmortem.publish')).toHaveLength(2);
    d.refused(() => d.service.requestPostmortem(id, actor(CAROL), true), 'forbidden');
    d.service.requestPostmortem(id, actor(ALICE), true);
    expect(d.effects(id).at(-1)).toMatchObject({ kind: 'postmortem.publish', payload: { force: true } });
  });
});
