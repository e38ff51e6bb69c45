import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, Domain, MINUTE, START, actor, pagerEvent } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

/** A PagerDuty-paged incident (#1), staffed by ALICE, linked to PINC001. */
function paged(domain: Domain): number {
  const { incidentId } = domain.service.applyExternal(pagerEvent('triggered', 'd-trigger', START - MINUTE));
  domain.service.staff(
    incidentId!,
    'staff',
    'd-trigger',
    [{ external: { id: 'PUSER01', name: 'Pat Pager' }, userId: ALICE }],
    [],
  );
  return incidentId!;
}

describe('acknowledging', () => {
  it('records when and by whom, tells the channel and refreshes the summary and topic', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.advance(3 * MINUTE);
    const effects = d.effectsOf(() => d.service.acknowledge(id, BOB));
    expect(d.incident(id).acknowledgedAt).toBe(START + 3 * MINUTE);
    const event = d.timeline(id).at(-1)!;
    expect(event).toMatchObject({ kind: 'acknowledged', actor: BOB, at: START + 3 * MINUTE });
    expect(effects.map((e) => e.kind)).toEqual(['channel.notice', 'channel.update_summary', 'channel.set_topic']);
    expect(effects[0]!.payload.notice).toMatchObject({ type: 'acknowledged', by: BOB });
    expect(effects[0]!.idempotencyKey).toBe(`incident:${id}:channel.notice:acknowledged:${event.id}`);
  });

  it('happens once: a second acknowledgement is refused and changes nothing', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.acknowledge(id, ALICE);
    d.advance(MINUTE);
    const error = d.refused(() => d.service.acknowledge(id, BOB), 'bad_argument');
    expect(error.message).toBe(`Incident #${id} was already acknowledged.`);
    expect(d.incident(id).acknowledgedAt).toBe(START);
  });

  it('of an incident that does not exist is refused as not found', () => {
    d = new Domain();
    expect(d.refused(() => d.service.acknowledge(42, ALICE), 'not_found').message).toBe('There is no incident #42.');
  });

  it('writes nothing back anywhere for an incident declared in chat', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.effectsOf(() => d.service.acknowledge(id, ALICE)).map((e) => e.kind)).not.toContain('external.set_status');
  });

  it('writes the acknowledgement back to the paging system, for every page linked to the incident', () => {
    d = new Domain();
    const first = d.service.applyExternal(pagerEvent('triggered', 'd-1', START, { snapshot: { dedupKey: 'db-down' } }));
    const second = d.service.applyExternal(
      pagerEvent('triggered', 'd-2', START, { externalId: 'PINC002', snapshot: { dedupKey: 'db-down' } }),
    );
    expect(second).toEqual({ outcome: 'joined', incidentId: first.incidentId });
    const id = first.incidentId!;
    const writes = d.effectsOf(() => d.service.acknowledge(id, ALICE)).filter((e) => e.kind === 'external.set_status');
    expect(writes.map((e) => e.payload)).toEqual([
      { source: 'pagerduty', externalId: 'PINC001', status: 'acknowledged', note: null },
      { source: 'pagerduty', externalId: 'PINC002', status: 'acknowledged', note: null },
    ]);
    // In order among themselves, apart from the room's rows: a paging system that is down holds up no notice.
    expect(writes.every((e) => e.orderingKey === `incident:${id}:writeback`)).toBe(true);
  });
});

describe('mitigating', () => {
  it('moves the incident to monitoring, once', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.advance(MINUTE);
    const effects = d.effectsOf(() => d.service.mitigate(id, BOB));
    expect(d.incident(id)).toMatchObject({ status: 'monitoring', mitigatedAt: START + MINUTE });
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'mitigated', actor: BOB });
    expect(effects.map((e) => e.kind)).toEqual(['channel.notice', 'channel.update_summary', 'channel.set_topic']);
    expect(effects[0]!.payload.notice).toEqual({ type: 'mitigated', by: BOB });
    expect(d.refused(() => d.service.mitigate(id, BOB), 'bad_argument').message).toBe(
      `Incident #${id} is already mitigated.`,
    );
  });

  it('is refused once the incident is resolved', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.resolve(id, actor(ALICE), null);
    expect(d.refused(() => d.service.mitigate(id, ALICE), 'bad_argument').message).toContain('is resolved');
  });
});

describe('resolving', () => {
  it('closes the incident and stops its clocks', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.incident(id).commsNagAt).not.toBeNull();
    d.advance(30 * MINUTE);
    d.service.resolve(id, actor(BOB), 'Rolled back the deploy');
    expect(d.incident(id)).toMatchObject({
      status: 'resolved',
      resolvedAt: START + 30 * MINUTE,
      updateDueAt: null,
      commsNagAt: null,
    });
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'resolved', actor: BOB, body: 'Rolled back the deploy' });
    expect(d.service.sendReminders(START + 10 * 24 * 60 * MINUTE)).toBe(0);
  });

  it('tells the channel it was resolved, with a closing summary of its times and how many people held roles', () => {
    d = new Domain({ settings: { comms: { rotation: [CAROL] } } });
    const { id } = d.declare(ALICE);
    d.advance(2 * MINUTE);
    d.service.acknowledge(id, ALICE);
    d.advance(8 * MINUTE);
    d.service.mitigate(id, ALICE);
    d.advance(20 * MINUTE);
    d.service.resolve(id, actor(ALICE), null);
    expect(d.notices(id).slice(-2)).toEqual([
      expect.objectContaining({ type: 'resolved', by: ALICE, note: null }),
      {
        type: 'closing_summary',
        declaredAt: START,
        acknowledgedAt: START + 2 * MINUTE,
        mitigatedAt: START + 10 * MINUTE,
        resolvedAt: START + 30 * MINUTE,
        responders: 2,
      },
    ]);
  });

  it('schedules the archive after the configured delay, on its own ordering key so nothing waits behind it', () => {
    d = new Domain({ settings: { archive_after_minutes: 90 } });
    const { id } = d.declare(ALICE);
    const archive = d
      .effectsOf(() => d.service.resolve(id, actor(ALICE), null))
      .find((e) => e.kind === 'channel.archive');
    expect(archive).toEqual({
      kind: 'channel.archive',
      idempotencyKey: `incident:${id}:channel.archive:${START}`,
      orderingKey: `incident:${id}:archive`,
      incidentId: id,
      payload: { resolvedAt: START },
      availableAt: START + 90 * MINUTE,
      priority: 0,
    });
  });

  it('asks for the report when the settings say so (the default)', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const report = d
      .effectsOf(() => d.service.resolve(id, actor(ALICE), null))
      .filter((e) => e.kind === 'postmortem.publish');
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ orderingKey: `incident:${id}:postmortem`, payload: { force: false } });
  });

  it('does not ask for the report when the settings turn that off', () => {
    d = new Domain({ settings: { postmortem: { on_resolve: false } } });
    const { id } = d.declare(ALICE);
    expect(d.effectsOf(() => d.service.resolve(id, actor(ALICE), null)).map((e) => e.kind)).not.toContain(
      'postmortem.publish',
    );
  });

  it('happens once: a second resolve is refused and changes nothing', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.resolve(id, actor(ALICE), null);
    expect(d.refused(() => d.service.resolve(id, actor(ALICE), null), 'bad_argument').message).toBe(
      `Incident #${id} is already resolved.`,
    );
  });

  it('writes nothing back for an incident declared in chat', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.effectsOf(() => d.service.resolve(id, actor(ALICE), 'fixed')).map((e) => e.kind)).not.toContain(
      'external.set_status',
    );
  });

  it('writes the resolution and its note back to the paging system the incident came from', () => {
    d = new Domain();
    const id = paged(d);
    const writes = d
      .effectsOf(() => d.service.resolve(id, actor(ALICE), 'Rolled back'))
      .filter((e) => e.kind === 'external.set_status');
    expect(writes.map((e) => e.payload)).toEqual([
      { source: 'pagerduty', externalId: 'PINC001', status: 'resolved', note: 'Rolled back' },
    ]);
  });

  it('of a published incident tells customers too, and puts its components back to operational', () => {
    d = new Domain({ settings: { components: [{ id: 'api', name: 'API' }] } });
    const { id } = d.declare(ALICE);
    d.service.postUpdate(id, 'identified', 'Bad deploy', actor(ALICE), {
      public: true,
      components: [{ id: 'api', status: 'major_outage' }],
    });
    d.advance(MINUTE);
    d.service.resolve(id, actor(ALICE), 'Deploy rolled back.');
    const [last] = d.service.updates(id);
    expect(last).toMatchObject({
      status: 'resolved',
      public: true,
      body: 'Deploy rolled back.',
      components: [{ id: 'api', old: 'major_outage', new: 'operational' }],
    });
    expect(d.updateRepo.componentStatuses(id)).toEqual([{ id: 'api', status: 'operational' }]);
  });

  it('of an unpublished incident says nothing to customers', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.resolve(id, actor(ALICE), 'fixed');
    expect(d.service.updates(id)).toEqual([]);
    expect(d.incident(id).publicAt).toBeNull();
  });
});

describe('reopening', () => {
  it('puts a resolved incident back to investigating and restarts the update clock', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.resolve(id, actor(ALICE), null);
    d.advance(5 * MINUTE);
    const effects = d.effectsOf(() => d.service.reopen(id, actor(BOB)));
    expect(d.incident(id)).toMatchObject({
      status: 'investigating',
      resolvedAt: null,
      updateDueAt: START + 65 * MINUTE,
    });
    expect(d.timeline(id).at(-1)).toMatchObject({ kind: 'reopened', actor: BOB });
    expect(effects.map((e) => e.kind)).toEqual([
      'channel.notice',
      'channel.update_summary',
      'channel.set_topic',
      'channel.duties',
    ]);
    expect(effects[0]!.payload.notice).toMatchObject({ type: 'reopened', by: BOB });
  });

  it('is refused for an incident that is not resolved', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.refused(() => d.service.reopen(id, actor(ALICE)), 'bad_argument').message).toBe(
      `Incident #${id} is not resolved.`,
    );
  });

  it('lets the incident be resolved again, with a new archive and a new closing summary', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.resolve(id, actor(ALICE), null);
    d.advance(MINUTE);
    d.service.reopen(id, actor(ALICE));
    d.advance(MINUTE);
    d.service.resolve(id, actor(ALICE), null);
    expect(
      d
        .effects(id)
        .filter((e) => e.kind === 'channel.archive')
        .map((e) => e.payload.resolvedAt),
    ).toEqual([START, START + 2 * MINUTE]);
    expect(d.notices(id).filter((n) => n.type === 'closing_summary')).toHaveLength(2);
  });
});

describe('changing the severity', () => {
  it('moves the next update to the new cadence, counted from the last update', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.advance(5 * MINUTE);
    d.service.setSeverity(id, 'sev1', actor(BOB));
    expect(d.incident(id)).toMatchObject({ severity: 'sev1', updateDueAt: START + 15 * MINUTE });
    expect(d.timeline(id).at(-1)).toMatchObject({
      kind: 'severity_changed',
      actor: BOB,
      data: expect.objectContaining({ from: 'sev3', to: 'sev1' }),
    });
    expect(d.notices(id).at(-1)).toMatchObject({ type: 'severity_changed', from: 'sev3', to: 'sev1', by: BOB });
  });

  it('never makes an update due in the past', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.advance(40 * MINUTE);
    d.service.setSeverity(id, 'sev1', actor(ALICE));
    expect(d.incident(id).updateDueAt).toBe(START + 40 * MINUTE);
  });

  it('is refused when the severity is already that', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(d.refused(() => d.service.setSeverity(id, 'sev3', actor(ALICE)), 'bad_argument').message).toBe(
      `Incident #${id} is already SEV3.`,
    );
  });
});
