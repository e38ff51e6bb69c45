import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, DAVE, Domain, MINUTE, START, actor, pagerEvent } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

/** Staffs a declared incident as the on-call lookup would when the schedule names `onCall`. */
function declaredWithSchedule(onCall: string[]) {
  const incident = d.declare(ALICE);
  d.service.staff(incident.id, 'staff', 'outbox:1', [], onCall);
  return incident.id;
}

describe('the comms lead of a declared incident, with an on-call schedule', () => {
  it('is looked up beside the room (its own ordering key), announced as being looked up, the call-out clock running', () => {
    d = new Domain({ settings: { comms: { pagerduty_schedule: 'PSCHED1', rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    expect(d.roleOf(id, 'comms')).toBeNull();
    expect(d.incident(id)).toMatchObject({ commsSchedule: 'PSCHED1', commsNagAt: START + 5 * MINUTE });
    expect(d.notices(id)).toEqual([{ type: 'roles', commander: ALICE, comms: null, lookingUp: true }]);
    const lookup = d.effects(id).find((e) => e.kind === 'people.resolve')!;
    expect(lookup).toMatchObject({
      orderingKey: `incident:${id}:people`,
      payload: { people: [], purpose: 'staff', schedule: 'PSCHED1' },
    });
  });

  it('is the person on call when the lookup answers, and the shift is followed from then on', () => {
    d = new Domain({ settings: { comms: { pagerduty_schedule: 'PSCHED1', rotation: [BOB] } } });
    const id = declaredWithSchedule([CAROL]);
    expect(d.roleOf(id, 'comms')).toBe(CAROL);
    expect(d.incident(id)).toMatchObject({ commsOnCall: CAROL, shiftCheckAt: START + 5 * MINUTE, commsNagAt: null });
  });

  it('comes from the rotation when the schedule names only the commander', () => {
    d = new Domain({ settings: { comms: { pagerduty_schedule: 'PSCHED1', rotation: [BOB] } } });
    const id = declaredWithSchedule([ALICE]);
    expect(d.roleOf(id, 'comms')).toBe(BOB);
  });

  it('stays vacant, and why, when the schedule names only the commander and there is no rotation', () => {
    d = new Domain({ settings: { comms: { pagerduty_schedule: 'PSCHED1' } } });
    const id = declaredWithSchedule([ALICE]);
    expect(d.roleOf(id, 'comms')).toBeNull();
    expect(d.notices(id).at(-1)).toEqual({ type: 'roles', commander: ALICE, comms: null, vacancy: 'only_commander' });
    expect(d.incident(id).commsNagAt).toBe(START + 5 * MINUTE);
  });
});

describe('the schedule of a page', () => {
  const settings = { comms: { pagerduty_schedule: 'PDEFAULT', schedules: { PSVC001: 'PSCHED2' } } };

  it("is the one named for the page's service, else the default", () => {
    d = new Domain({ settings });
    d.service.applyExternal(pagerEvent('triggered', 'd-1', START, { snapshot: { serviceId: 'PSVC001' } }));
    d.service.applyExternal(
      pagerEvent('triggered', 'd-2', START, { externalId: 'PINC002', snapshot: { serviceId: 'POTHER1' } }),
    );
    const [first, second] = d.service.listOpen().sort((a, b) => a.id - b.id);
    expect([first!.commsSchedule, second!.commsSchedule]).toEqual(['PSCHED2', 'PDEFAULT']);
    expect(first!.serviceId).toBe('PSVC001');
    const lookup = d.effects(first!.id).find((e) => e.kind === 'people.resolve')!;
    expect(lookup.payload).toMatchObject({ schedule: 'PSCHED2' });
  });
});

describe('keeping the two roles apart', () => {
  it('refuses comms to the commander, saying why, unless the commander confirms they will hold both', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    const refusal = d.refused(() => d.service.handOff(id, 'comms', ALICE, actor(ALICE)), 'conflict');
    expect(refusal.message).toContain('is the commander, and the comms lead is kept a separate person');
    expect((refusal as { action?: string }).action).toBe('hold_both');
    // Nobody may confirm it for them.
    d.refused(() => d.service.handOff(id, 'comms', ALICE, actor(BOB), { both: true }), 'forbidden');
    d.service.handOff(id, 'comms', ALICE, actor(ALICE), { both: true });
    expect([d.roleOf(id, 'commander'), d.roleOf(id, 'comms')]).toEqual([ALICE, ALICE]);
  });

  it('moves comms on when the comms lead is made commander, never to the new commander', () => {
    d = new Domain({ settings: { comms: { pagerduty_schedule: 'PSCHED1', rotation: [DAVE] } } });
    const id = declaredWithSchedule([CAROL]);
    d.service.handOff(id, 'commander', CAROL, actor(ALICE));
    expect(d.roleOf(id, 'commander')).toBe(CAROL);
    expect(d.roleOf(id, 'comms')).toBe(DAVE);
    expect(d.notices(id).at(-1)).toEqual({ type: 'comms_moved', from: CAROL, to: DAVE, vacancy: null, by: ALICE });
  });
});

describe('a change of shift', () => {
  const settings = { comms: { pagerduty_schedule: 'PSCHED1' } };

  it('is looked for once per interval while the incident is open, and not after it is resolved', () => {
    d = new Domain({ settings });
    const id = declaredWithSchedule([CAROL]);
    expect(d.service.checkShifts(START + 4 * MINUTE)).toBe(0);
    expect(d.service.checkShifts(START + 5 * MINUTE)).toBe(1);
    expect(d.service.checkShifts(START + 5 * MINUTE)).toBe(0);
    // Down for three intervals: one look, not three.
    expect(d.service.checkShifts(START + 21 * MINUTE)).toBe(1);
    expect(d.effects(id).filter((e) => e.kind === 'people.on_call')).toHaveLength(2);
    expect(d.incident(id).shiftCheckAt).toBe(START + 25 * MINUTE);
    d.service.resolve(id, actor(ALICE), null);
    expect(d.service.checkShifts(START + 60 * MINUTE)).toBe(0);
  });

  it('offers the role once to the new person on call, who alone may take it', () => {
    d = new Domain({ settings });
    const id = declaredWithSchedule([CAROL]);
    expect(d.effectsOf(() => d.service.shiftSeen(id, 'look-1', [CAROL]))).toEqual([]);
    const offer = d.effectsOf(() => d.service.shiftSeen(id, 'look-2', [BOB]));
    expect(offer.map((e) => e.kind)).toEqual(['channel.invite', 'channel.notice']);
    expect(offer[1]!.payload.notice).toEqual({ type: 'comms_offer', incidentId: id, to: BOB, comms: CAROL });
    // The same answer again (a retried look, or the next one) offers nothing more.
    expect(d.effectsOf(() => d.service.shiftSeen(id, 'look-3', [BOB]))).toEqual([]);
    expect(d.timeline(id).filter((e) => e.kind === 'shift_changed')).toHaveLength(1);

    d.refused(() => d.service.acceptCommsOffer(id, actor(DAVE)), 'forbidden');
    d.service.acceptCommsOffer(id, actor(BOB));
    expect(d.roleOf(id, 'comms')).toBe(BOB);
    expect(d.incident(id).commsOfferTo).toBeNull();
    expect(d.kinds(id).slice(-2)).toEqual(['role_assigned', 'shift_handover']);
  });

  it('offers nothing when the commander comes on call, but remembers the shift', () => {
    d = new Domain({ settings });
    const id = declaredWithSchedule([CAROL]);
    expect(d.effectsOf(() => d.service.shiftSeen(id, 'look-1', [ALICE]))).toEqual([]);
    expect(d.incident(id)).toMatchObject({ commsOnCall: ALICE, commsOfferTo: null });
    expect(d.kinds(id).at(-1)).toBe('shift_changed');
  });
});
