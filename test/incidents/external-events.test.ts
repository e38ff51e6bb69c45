import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, Domain, MINUTE, START, actor, pagerEvent } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

const T = START - 10 * MINUTE;
const PAT = { id: 'PUSER01', name: 'Pat Pager' };
const SAM = { id: 'PUSER02', name: 'Sam Second' };

/** Opens #1 from a PagerDuty trigger that happened at T. */
function triggered(domain: Domain, extra: Parameters<typeof pagerEvent>[3] = {}): number {
  const result = domain.service.applyExternal(pagerEvent('triggered', 'd-trigger', T, extra));
  expect(result.outcome).toBe('opened');
  return result.incidentId!;
}

describe('an event from a paging system', () => {
  describe('that is the first about its incident', () => {
    it('opens an incident with what the page says, declared by the source when it happened', () => {
      d = new Domain();
      const id = triggered(d, { snapshot: { dedupKey: 'db-down', description: 'p99 > 2s' } });
      expect(d.incident(id)).toMatchObject({
        title: 'Checkout latency high',
        publicTitle: 'Checkout latency high',
        description: 'p99 > 2s',
        severity: 'sev2',
        status: 'investigating',
        source: 'pagerduty',
        externalId: 'PINC001',
        declaredBy: 'pagerduty',
        declaredAt: T,
        dedupKey: 'db-down',
        serviceName: 'checkout',
        externalUrl: 'https://acme.pagerduty.com/incidents/PINC001',
      });
      expect(d.timeline(id)).toEqual([
        expect.objectContaining({
          kind: 'paged',
          at: T,
          actor: 'Pat Pager',
          body: 'Checkout latency high',
          data: {
            source: 'pagerduty',
            external_id: 'PINC001',
            severity: 'sev2',
            service: 'checkout',
            url: 'https://acme.pagerduty.com/incidents/PINC001',
            first_event: 'triggered',
            service_id: null,
            urgency: null,
            priority: null,
          },
        }),
      ]);
    });

    it('opens its room at once, and looks its people up beside it (own ordering key), naming no roles yet', () => {
      d = new Domain();
      const id = triggered(d);
      expect(d.effects(id).map((e) => [e.kind, e.orderingKey, e.priority ?? 0])).toEqual([
        ['channel.create', `incident:${id}`, -1],
        ['channel.set_topic', `incident:${id}`, -1],
        ['channel.post_summary', `incident:${id}`, -1],
        ['channel.pin_summary', `incident:${id}`, -1],
        ['people.resolve', `incident:${id}:people`, 0],
      ]);
      expect(d.effects(id).at(-1)).toMatchObject({
        idempotencyKey: `incident:${id}:people.resolve:staff:d-trigger`,
        payload: { source: 'pagerduty', people: [PAT], purpose: 'staff' },
      });
      expect(d.service.roles(id)).toEqual([]);
    });

    it('starts the clocks from when it arrived: the first update and the vacant comms call-out', () => {
      d = new Domain();
      const id = triggered(d);
      expect(d.incident(id)).toMatchObject({ updateDueAt: START + 30 * MINUTE, commsNagAt: START + 5 * MINUTE });
    });

    it('is named after the source and its id when the page has no title, and a long one is cut to 150', () => {
      d = new Domain();
      const blank = d.service.applyExternal(pagerEvent('triggered', 'd-1', T, { snapshot: { title: '  ' } }));
      const long = d.service.applyExternal(
        pagerEvent('triggered', 'd-2', T, { externalId: 'PINC002', snapshot: { title: 'L'.repeat(400) } }),
      );
      expect(d.incident(blank.incidentId!).title).toBe('PagerDuty incident PINC001');
      expect(d.incident(long.incidentId!).title).toBe('L'.repeat(150));
    });

    it('opens it late when it is not the trigger, and applies it: a first acknowledgement', () => {
      d = new Domain();
      const result = d.service.applyExternal(pagerEvent('acknowledged', 'd-ack', T + MINUTE));
      expect(result.outcome).toBe('opened');
      const id = result.incidentId!;
      expect(d.incident(id)).toMatchObject({
        declaredAt: T + MINUTE,
        acknowledgedAt: T + MINUTE,
        status: 'investigating',
      });
      expect(d.kinds(id)).toEqual(['paged', 'acknowledged']);
      expect(d.timeline(id)[0]!.data.first_event).toBe('acknowledged');
    });

    it('opens it already resolved when the first event is the resolution, with no clock running', () => {
      d = new Domain();
      const { outcome, incidentId } = d.service.applyExternal(pagerEvent('resolved', 'd-res', T + MINUTE));
      expect(outcome).toBe('opened');
      expect(d.incident(incidentId!)).toMatchObject({
        status: 'resolved',
        resolvedAt: T + MINUTE,
        updateDueAt: null,
        commsNagAt: null,
      });
    });
  });

  describe('delivered again', () => {
    it('is a duplicate and changes nothing, nor wakes the worker', () => {
      d = new Domain();
      triggered(d);
      const before = d.counts();
      expect(d.service.applyExternal(pagerEvent('triggered', 'd-trigger', T))).toEqual({
        outcome: 'duplicate',
        incidentId: null,
      });
      expect(d.service.applyExternal(pagerEvent('acknowledged', 'd-trigger', T + MINUTE))).toEqual({
        outcome: 'duplicate',
        incidentId: null,
      });
      expect(d.counts()).toEqual(before);
    });

    it('under a new delivery id, a trigger for an incident already open changes nothing', () => {
      d = new Domain();
      const id = triggered(d);
      const before = d.counts();
      expect(d.service.applyExternal(pagerEvent('triggered', 'd-again', T))).toEqual({
        outcome: 'no_change',
        incidentId: id,
      });
      expect(d.counts()).toEqual(before);
    });
  });

  describe('about another page with the same dedup key', () => {
    it('joins the open incident: linked, recorded and announced', () => {
      d = new Domain();
      const id = triggered(d, { snapshot: { dedupKey: 'db-down' } });
      const second = d.service.applyExternal(
        pagerEvent('triggered', 'd-2', T + MINUTE, {
          externalId: 'PINC002',
          snapshot: { dedupKey: 'db-down', title: 'DB down', url: null },
        }),
      );
      expect(second).toEqual({ outcome: 'joined', incidentId: id });
      expect(d.repo.links(id, 'pagerduty')).toEqual(['PINC001', 'PINC002']);
      expect(d.timeline(id).at(-1)).toMatchObject({
        kind: 'linked',
        at: T + MINUTE,
        body: 'DB down',
        data: { external_id: 'PINC002' },
      });
      expect(d.notices(id).at(-1)).toEqual({
        type: 'linked',
        via: 'PagerDuty',
        externalId: 'PINC002',
        url: null,
        title: 'DB down',
      });
      expect(d.counts().incidents).toBe(1);
    });

    it('opens a new incident when the one with that key is resolved', () => {
      d = new Domain();
      const id = triggered(d, { snapshot: { dedupKey: 'db-down' } });
      d.service.resolve(id, actor(ALICE), null);
      const second = d.service.applyExternal(
        pagerEvent('triggered', 'd-2', T + MINUTE, { externalId: 'PINC002', snapshot: { dedupKey: 'db-down' } }),
      );
      expect(second.outcome).toBe('opened');
      expect(second.incidentId).not.toBe(id);
    });
  });

  describe('about a page linked to one incident while another is open with its dedup key', () => {
    /** A page's incident resolved, then a second page with the same key: a newer incident, open. */
    const resolvedThenNewer = () => {
      d = new Domain();
      const older = triggered(d, { snapshot: { dedupKey: 'db-down' } });
      d.service.resolve(older, actor(ALICE), null);
      const newer = d.service.applyExternal(
        pagerEvent('triggered', 'd-2', T + MINUTE, { externalId: 'PINC002', snapshot: { dedupKey: 'db-down' } }),
      ).incidentId!;
      return { older, newer };
    };

    it('goes to its resolved incident, which it is linked to, not the open one with its key', () => {
      const { older, newer } = resolvedThenNewer();
      const late = d.service.applyExternal(
        pagerEvent('acknowledged', 'd-3', T + 2 * MINUTE, { snapshot: { dedupKey: 'db-down' } }),
      );
      expect(late.incidentId).toBe(older);
      expect(late.outcome).not.toBe('joined');
      expect(d.repo.links(newer, 'pagerduty')).toEqual(['PINC002']);
    });

    it('goes to the incident it is linked to, never joined to an older open one with its key', () => {
      const { older, newer } = resolvedThenNewer();
      d.service.reopen(older, actor(ALICE));
      const late = d.service.applyExternal(
        pagerEvent('acknowledged', 'd-3', T + 2 * MINUTE, { externalId: 'PINC002', snapshot: { dedupKey: 'db-down' } }),
      );
      expect(late.incidentId).toBe(newer);
      expect(late.outcome).not.toBe('joined');
      expect(d.repo.links(older, 'pagerduty')).toEqual(['PINC001']);
    });

    it('a new page joins the oldest of the open incidents with its key', () => {
      const { older, newer } = resolvedThenNewer();
      d.service.reopen(older, actor(ALICE));
      expect([d.incident(older).status, d.incident(newer).status]).not.toContain('resolved');
      const joined = d.service.applyExternal(
        pagerEvent('triggered', 'd-3', T + 2 * MINUTE, { externalId: 'PINC003', snapshot: { dedupKey: 'db-down' } }),
      );
      expect(joined).toEqual({ outcome: 'joined', incidentId: older });
    });
  });

  describe('about an open incident', () => {
    it('acknowledged: recorded when it happened, announced via the source, never written back to it', () => {
      d = new Domain();
      const id = triggered(d);
      const effects = d.effectsOf(() =>
        expect(d.service.applyExternal(pagerEvent('acknowledged', 'd-ack', T + MINUTE)).outcome).toBe('applied'),
      );
      expect(d.incident(id).acknowledgedAt).toBe(T + MINUTE);
      expect(d.timeline(id).at(-1)).toMatchObject({
        kind: 'acknowledged',
        at: T + MINUTE,
        actor: 'Pat Pager',
        data: { via: 'pagerduty' },
      });
      expect(effects.map((e) => e.kind).sort()).toEqual([
        'channel.notice',
        'channel.set_topic',
        'channel.update_summary',
      ]);
      expect(d.notices(id).at(-1)).toEqual({ type: 'acknowledged', by: 'Pat Pager', via: 'PagerDuty' });
    });

    it('acknowledged, as the echo of an acknowledgement made in chat, changes nothing', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.acknowledge(id, ALICE);
      const before = d.counts();
      expect(d.service.applyExternal(pagerEvent('acknowledged', 'd-echo', START)).outcome).toBe('no_change');
      expect(d.counts()).toEqual(before);
      expect(d.incident(id).acknowledgedAt).toBe(START);
    });

    it('resolved: closes it as a resolution in chat would, and writes nothing back to the source', () => {
      d = new Domain();
      const id = triggered(d);
      const kinds = d
        .effectsOf(() => d.service.applyExternal(pagerEvent('resolved', 'd-res', T + 5 * MINUTE)))
        .map((e) => e.kind);
      expect(d.incident(id)).toMatchObject({
        status: 'resolved',
        resolvedAt: T + 5 * MINUTE,
        updateDueAt: null,
        commsNagAt: null,
      });
      expect(kinds).toEqual(expect.arrayContaining(['channel.archive', 'postmortem.publish']));
      expect(kinds).not.toContain('external.set_status');
      expect(d.notices(id).map((n) => n.type)).toEqual(['resolved', 'closing_summary']);
      expect(d.notices(id)[0]).toEqual({ type: 'resolved', by: 'Pat Pager', via: 'PagerDuty', note: null });
    });

    it('resolved, as the echo of a resolution made in chat, changes nothing', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.resolve(id, actor(ALICE), null);
      expect(d.service.applyExternal(pagerEvent('resolved', 'd-echo', START)).outcome).toBe('no_change');
      expect(d.notices(id).filter((n) => n.type === 'resolved')).toHaveLength(1);
    });

    it('reopened after a resolution: open again and announced', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('resolved', 'd-res', T + MINUTE));
      expect(d.service.applyExternal(pagerEvent('reopened', 'd-reopen', T + 2 * MINUTE)).outcome).toBe('applied');
      expect(d.incident(id)).toMatchObject({ status: 'investigating', resolvedAt: null });
      expect(d.notices(id).at(-1)).toEqual({ type: 'reopened', by: 'Pat Pager', via: 'PagerDuty' });
      // Topic, summary and the pinned duties are redrawn, as after a reopen in chat.
      expect(
        d
          .effects(id)
          .filter((e) => e.idempotencyKey.endsWith(':d-reopen'))
          .map((e) => e.kind),
      ).toEqual(expect.arrayContaining(['channel.update_summary', 'channel.set_topic', 'channel.duties']));
    });

    it('reopened: the update reminders start again, as after a reopen in chat', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('resolved', 'd-res', T + MINUTE));
      d.service.applyExternal(pagerEvent('reopened', 'd-reopen', START));
      expect(d.incident(id).updateDueAt).toBe(START + 30 * MINUTE);
      expect(d.service.sendReminders(START + 30 * MINUTE)).toBe(1);
    });

    it('priority changed: the severity follows, unless the event carried only a reference', () => {
      d = new Domain();
      const id = triggered(d);
      expect(
        d.service.applyExternal(
          pagerEvent('priority_updated', 'd-p0', T + MINUTE, { snapshot: { severity: 'sev1', complete: false } }),
        ).outcome,
      ).toBe('no_change');
      expect(d.incident(id).severity).toBe('sev2');
      expect(
        d.service.applyExternal(
          pagerEvent('priority_updated', 'd-p1', T + 2 * MINUTE, { snapshot: { severity: 'sev1' } }),
        ).outcome,
      ).toBe('applied');
      expect(d.incident(id).severity).toBe('sev1');
      expect(d.timeline(id).at(-1)).toMatchObject({
        kind: 'priority_updated',
        data: { via: 'pagerduty', from: 'sev2', to: 'sev1' },
      });
    });

    it('annotated: the note goes into the timeline and the channel', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('annotated', 'd-note', T + MINUTE, { note: 'Failing over to replica' }));
      expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'annotated', body: 'Failing over to replica' });
      expect(d.notices(id).at(-1)).toEqual({
        type: 'external_note',
        by: 'Pat Pager',
        via: 'PagerDuty',
        text: 'Failing over to replica',
      });
    });

    it('reassigned: announced, and the new assignees are found and invited', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('reassigned', 'd-re', T + MINUTE, { snapshot: { assignees: [SAM] } }));
      expect(d.notices(id).at(-1)).toEqual({
        type: 'reassigned',
        to: ['Sam Second'],
        via: 'PagerDuty',
        how: 'reassigned',
      });
      expect(d.effects(id).at(-1)).toMatchObject({
        kind: 'people.resolve',
        orderingKey: `incident:${id}:people`,
        payload: { people: [SAM], purpose: 'invite' },
      });
    });

    it('a responder added: announced with their message, found and invited', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(
        pagerEvent('responder_added', 'd-resp', T + MINUTE, { responder: { ...SAM, message: 'Need DB help' } }),
      );
      expect(d.notices(id).at(-1)).toEqual({
        type: 'responder_added',
        name: 'Sam Second',
        via: 'PagerDuty',
        message: 'Need DB help',
      });
      expect(d.effects(id).at(-1)).toMatchObject({
        kind: 'people.resolve',
        orderingKey: `incident:${id}:people`,
        payload: { people: [SAM], purpose: 'invite' },
      });
    });
  });

  describe('ordered by when it happened, not when it arrived', () => {
    it('an old resolve delivered after the reopen that followed it is stale and leaves the incident open', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('resolved', 'd-res1', T + MINUTE));
      d.service.applyExternal(pagerEvent('reopened', 'd-reopen', T + 3 * MINUTE));
      const before = d.counts();
      expect(d.service.applyExternal(pagerEvent('resolved', 'd-res-late', T + 2 * MINUTE)).outcome).toBe('stale');
      expect(d.incident(id).status).toBe('investigating');
      expect(d.counts()).toEqual(before);
    });

    it('a reopen that arrives before the resolve it followed still wins', () => {
      d = new Domain();
      const id = triggered(d);
      expect(d.service.applyExternal(pagerEvent('reopened', 'd-reopen', T + 3 * MINUTE)).outcome).toBe('no_change');
      expect(d.service.applyExternal(pagerEvent('resolved', 'd-res', T + MINUTE)).outcome).toBe('stale');
      expect(d.incident(id).status).toBe('investigating');
    });

    it('an old priority change does not undo a newer one', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(
        pagerEvent('priority_updated', 'd-new', T + 5 * MINUTE, { snapshot: { severity: 'sev1' } }),
      );
      expect(
        d.service.applyExternal(pagerEvent('priority_updated', 'd-old', T + MINUTE, { snapshot: { severity: 'sev4' } }))
          .outcome,
      ).toBe('stale');
      expect(d.incident(id).severity).toBe('sev1');
    });

    it('each part on its own: a newer note or priority change does not hold back an older resolve', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(
        pagerEvent('priority_updated', 'd-p', T + 5 * MINUTE, { snapshot: { severity: 'sev1' } }),
      );
      d.service.applyExternal(pagerEvent('annotated', 'd-n', T + 6 * MINUTE, { note: 'later note' }));
      expect(d.service.applyExternal(pagerEvent('resolved', 'd-r', T + 2 * MINUTE)).outcome).toBe('applied');
      expect(d.incident(id).status).toBe('resolved');
    });

    it('an event at the same time as the newest applied one is applied', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('resolved', 'd-r', T + MINUTE));
      expect(d.service.applyExternal(pagerEvent('reopened', 'd-o', T + MINUTE)).outcome).toBe('applied');
      expect(d.incident(id).status).toBe('investigating');
    });

    it('a late acknowledgement still fills in the first acknowledgement, but never reopens a resolved incident', () => {
      d = new Domain();
      const id = triggered(d);
      d.service.applyExternal(pagerEvent('resolved', 'd-r', T + 5 * MINUTE));
      expect(d.service.applyExternal(pagerEvent('acknowledged', 'd-a', T + MINUTE)).outcome).toBe('applied');
      expect(d.incident(id)).toMatchObject({ status: 'resolved', acknowledgedAt: T + MINUTE });
    });
  });
});

describe('staffing a paged incident once its people are found', () => {
  const found = (userId: string | null, who = PAT, reason?: string) => ({
    external: who,
    userId,
    ...(reason ? { reason } : {}),
  });

  it('makes the first person found commander and the scheduled on-call person comms lead, and invites them into the room', () => {
    d = new Domain({ settings: { comms: { rotation: [CAROL] } } });
    const id = triggered(d);
    const effects = d.effectsOf(() =>
      d.service.staff(id, 'staff', 'd-trigger', [found(ALICE), found(BOB, SAM)], [ALICE, BOB]),
    );
    expect(d.roleOf(id, 'commander')).toBe(ALICE);
    expect(d.roleOf(id, 'comms')).toBe(BOB);
    expect(d.incident(id).commsNagAt).toBeNull();
    expect(
      d
        .timeline(id)
        .filter((e) => e.kind === 'role_assigned')
        .map((e) => e.actor),
    ).toEqual([null, null]);
    // The room was asked for with the page; these follow its rows on the incident's own key.
    expect(effects.map((e) => [e.kind, e.orderingKey])).toEqual([
      ['channel.invite', `incident:${id}`],
      ['channel.update_summary', `incident:${id}`],
      ['channel.set_topic', `incident:${id}`],
      ['channel.notice', `incident:${id}`],
      ['channel.duties', `incident:${id}`],
    ]);
    expect(effects[0]!.payload).toEqual({ users: [ALICE, BOB].sort() });
    expect(effects[3]).toMatchObject({
      idempotencyKey: `incident:${id}:channel.notice:roles:d-trigger`,
      payload: { notice: { type: 'roles', commander: ALICE, comms: BOB } },
    });
  });

  it('opens the room of a page whose lookup was queued by an earlier version, before any room was asked for', () => {
    d = new Domain();
    const id = triggered(d);
    d.db.prepare("DELETE FROM outbox WHERE kind LIKE 'channel.%'").run();
    const effects = d.effectsOf(() => d.service.staff(id, 'staff', 'd-trigger', [found(ALICE)], []));
    expect(effects.map((e) => [e.kind, e.priority ?? 0])).toEqual([
      ['channel.create', -1],
      ['channel.set_topic', -1],
      ['channel.post_summary', -1],
      ['channel.pin_summary', -1],
      ['channel.invite', 0],
      ['channel.update_summary', 0],
      ['channel.set_topic', 0],
      ['channel.notice', 0],
    ]);
  });

  it('takes the comms lead from the rotation when no schedule names one', () => {
    d = new Domain({ settings: { comms: { rotation: [ALICE, CAROL] } } });
    const id = triggered(d);
    d.service.staff(id, 'staff', 'd-trigger', [found(ALICE)], []);
    expect(d.roleOf(id, 'comms')).toBe(CAROL);
  });

  it('keeps a commander who claimed the role before the people were found', () => {
    d = new Domain();
    const id = triggered(d);
    d.service.handOff(id, 'commander', CAROL, actor(CAROL));
    d.service.staff(id, 'staff', 'd-trigger', [found(ALICE)], []);
    expect(d.roleOf(id, 'commander')).toBe(CAROL);
    expect(d.notices(id).at(-1)).toMatchObject({ type: 'roles', commander: CAROL });
  });

  it('leaves comms vacant, and the call-out running, when nobody can be named', () => {
    d = new Domain();
    const id = triggered(d);
    d.service.staff(id, 'staff', 'd-trigger', [found(ALICE)], []);
    expect(d.roleOf(id, 'comms')).toBeNull();
    expect(d.incident(id).commsNagAt).toBe(START + 5 * MINUTE);
  });

  it('says who could not be found, and why', () => {
    d = new Domain();
    const id = triggered(d);
    d.service.staff(
      id,
      'staff',
      'd-trigger',
      [found(null, PAT, 'no Slack user with pat@example.com'), found(null, SAM)],
      [],
    );
    expect(d.roleOf(id, 'commander')).toBeNull();
    expect(d.notices(id).at(-1)).toEqual({
      type: 'unresolved_people',
      people: [
        { name: 'Pat Pager', reason: 'no Slack user with pat@example.com' },
        { name: 'Sam Second', reason: 'not found' },
      ],
    });
  });

  it('tells the room once per lookup that the paging system could not be reached, or refused the token', () => {
    d = new Domain();
    const id = triggered(d);
    const told = () => d.notices(id).filter((n) => n.type === 'people_unreachable');
    d.service.peopleUnreachable(id, 'outbox:7', 'PagerDuty', false);
    d.service.peopleUnreachable(id, 'outbox:7', 'PagerDuty', false);
    expect(told()).toEqual([{ type: 'people_unreachable', via: 'PagerDuty', refused: false }]);
    d.service.peopleUnreachable(id, 'outbox:9', 'PagerDuty', true);
    expect(told().at(-1)).toEqual({ type: 'people_unreachable', via: 'PagerDuty', refused: true });
    expect(d.effects(id).at(-1)!.orderingKey).toBe(`incident:${id}`);
  });

  it('invites people found later into the room without touching the roles', () => {
    d = new Domain();
    const id = triggered(d);
    d.service.staff(id, 'staff', 'd-trigger', [found(ALICE)], []);
    const roles = d.service.roles(id);
    const effects = d.effectsOf(() =>
      d.service.staff(id, 'invite', 'd-re', [found(CAROL, SAM), found(BOB), found(CAROL, SAM)], []),
    );
    expect(effects).toEqual([
      expect.objectContaining({
        kind: 'channel.invite',
        idempotencyKey: `incident:${id}:channel.invite:d-re:${[BOB, CAROL].sort().join(',')}`,
        payload: { users: [BOB, CAROL].sort() },
      }),
    ]);
    expect(d.service.roles(id)).toEqual(roles);
  });
});
