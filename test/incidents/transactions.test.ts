import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, DAVE, Domain, actor } from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

const MISSING = 99;
const RESOLVERS = 'SRESOLVE';

describe('every change is one transaction with its consequences', () => {
  it('a change writes its state, timeline events and outbox rows together, and wakes the worker once', () => {
    d = new Domain({ settings: { comms: { rotation: [BOB] } } });
    const { id } = d.declare(ALICE);
    const before = d.counts();
    d.service.resolve(id, actor(ALICE), 'done');
    const after = d.counts();
    expect(after.events - before.events).toBe(1);
    expect(after.effects - before.effects).toBe(7); // resolved, closing summary, summary, topic, duties, archive, report
    expect(after.wakes - before.wakes).toBe(1);
  });

  describe('a change to an incident that does not exist is refused as not found, and writes nothing', () => {
    const changes: [string, (dom: Domain) => unknown][] = [
      ['acknowledge', (dom) => dom.service.acknowledge(MISSING, ALICE)],
      ['mitigate', (dom) => dom.service.mitigate(MISSING, ALICE)],
      ['resolve', (dom) => dom.service.resolve(MISSING, actor(ALICE), null)],
      ['reopen', (dom) => dom.service.reopen(MISSING, actor(ALICE))],
      ['change the severity', (dom) => dom.service.setSeverity(MISSING, 'sev1', actor(ALICE))],
      ['post an update', (dom) => dom.service.postUpdate(MISSING, 'identified', 'x', actor(ALICE))],
      ['resolve by update', (dom) => dom.service.postUpdate(MISSING, 'resolved', 'x', actor(ALICE))],
      ['add a note', (dom) => dom.service.addNote(MISSING, 'x', ALICE)],
      ['hand off a role', (dom) => dom.service.handOff(MISSING, 'comms', ALICE, actor(ALICE))],
      ['add a follow-up', (dom) => dom.service.addFollowup(MISSING, 'x', null, ALICE)],
      ['set the impact', (dom) => dom.service.setImpact(MISSING, 'x', ALICE)],
      ['name it for the public', (dom) => dom.service.setPublicName(MISSING, 'x', actor(ALICE))],
      ['ask for the report', (dom) => dom.service.requestPostmortem(MISSING, actor(ALICE))],
    ];
    it.each(changes)('%s', (_what, change) => {
      d = new Domain();
      d.declare(ALICE);
      expect(d.refused(() => change(d), 'not_found').message).toBe(`There is no incident #${MISSING}.`);
    });
  });

  describe('a refused change to a real incident leaves no timeline event and no outbox row', () => {
    /** What is refused, its code, and what put the incident (acknowledged by ALICE) where it is refused. */
    const changes: { what: string; code: string; before?: (id: number) => unknown; change: (id: number) => unknown }[] =
      [
        { what: 'a second acknowledgement', code: 'bad_argument', change: (id) => d.service.acknowledge(id, BOB) },
        {
          what: 'a second resolve',
          code: 'bad_argument',
          before: (id) => d.service.resolve(id, actor(ALICE), null),
          change: (id) => d.service.resolve(id, actor(ALICE), null),
        },
        {
          what: 'an update to a resolved incident',
          code: 'bad_argument',
          before: (id) => d.service.resolve(id, actor(ALICE), null),
          change: (id) => d.service.postUpdate(id, 'identified', 'x', actor(ALICE)),
        },
        {
          what: 'a reopen of an open incident',
          code: 'bad_argument',
          change: (id) => d.service.reopen(id, actor(ALICE)),
        },
        {
          what: 'a resolve without the permission',
          code: 'forbidden',
          change: (id) => d.service.resolve(id, actor(CAROL), null),
        },
        {
          what: 'a public update without the permission',
          code: 'forbidden',
          change: (id) => d.service.postUpdate(id, 'identified', 'x', actor(CAROL), { public: true }),
        },
        {
          what: 'a public resolution by someone who may resolve but not publish',
          code: 'forbidden',
          before: (id) => d.service.handOff(id, 'comms', DAVE, actor(ALICE)),
          change: (id) => d.service.postUpdate(id, 'resolved', 'fixed', actor(DAVE, [RESOLVERS]), { public: true }),
        },
        {
          what: 'a hand-off without the permission',
          code: 'forbidden',
          change: (id) => d.service.handOff(id, 'commander', CAROL, actor(CAROL)),
        },
        {
          what: 'a forced report without the permission',
          code: 'forbidden',
          change: (id) => d.service.requestPostmortem(id, actor(CAROL), true),
        },
        {
          what: 'an update naming an unknown component',
          code: 'bad_argument',
          change: (id) =>
            d.service.postUpdate(id, 'identified', 'x', actor(ALICE), {
              components: [{ id: 'nope', status: 'major_outage' }],
            }),
        },
      ];
    it.each(changes)('$what', ({ code, before, change }) => {
      d = new Domain({
        settings: { permissions: { resolve: ['commander', RESOLVERS] }, status_page: { publish: ['commander'] } },
      });
      const { id } = d.declare(ALICE);
      d.service.acknowledge(id, ALICE);
      before?.(id);
      d.refused(() => change(id), code);
    });
  });

  it('a change that fails part-way rolls back what it had already written', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const before = d.counts();
    const followups = () => d.db.prepare('SELECT count(*) FROM followups').pluck().get();
    const followupsBefore = followups();
    expect(() =>
      d.service.recordRunbookEvent(
        id,
        { kind: 'runbook_started', actor: ALICE, body: 'restart-api', data: {} },
        {
          write: () => {
            d.db
              .prepare('INSERT INTO followups (incident_id, text, created_at) VALUES (?, ?, ?)')
              .run(id, 'half-written', d.now);
            throw new Error('the run could not be stored');
          },
        },
      ),
    ).toThrow('the run could not be stored');
    expect(d.counts()).toEqual(before);
    expect(followups()).toBe(followupsBefore);
  });

  it('a delivery whose change fails is not remembered as seen, so its retry is not taken for a duplicate', () => {
    d = new Domain();
    const inbox = () => d.db.prepare('SELECT count(*) FROM inbox').pluck().get();
    expect(() => d.service.requestCapture(MISSING, 'Ev1', { kind: 'pinned', by: ALICE, ts: '1.2' })).toThrow();
    expect(inbox()).toBe(0);
    const { id } = d.declare(ALICE);
    expect(d.service.requestCapture(id, 'Ev1', { kind: 'pinned', by: ALICE, ts: '1.2' })).toBe('queued');
    expect(d.service.requestCapture(id, 'Ev1', { kind: 'pinned', by: ALICE, ts: '1.2' })).toBe('duplicate');
    expect(d.effects(id).filter((e) => e.kind === 'timeline.capture')).toHaveLength(1);
  });

  it('changes nested in one outer commit (a turn of webhooks) wake the worker once, after that commit', async () => {
    d = new Domain();
    const ids = [d.declare(ALICE).id, d.declare(BOB).id, d.declare(CAROL).id];
    const before = d.counts();
    d.db.transaction(() => {
      for (const id of ids) d.service.acknowledge(id, DAVE);
      expect(d.counts().wakes).toBe(before.wakes);
    })();
    await new Promise((r) => setImmediate(r));
    const after = d.counts();
    expect(after.effects - before.effects).toBeGreaterThanOrEqual(ids.length);
    expect(after.wakes - before.wakes).toBe(1);
  });

  it('an effect already enqueued under the same key is not enqueued again, and does not wake the worker', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    d.service.postmortemPublished(id, 'run-1', { url: 'https://example.com/pm', file: null, issues: 2, edited: false });
    const before = d.counts();
    d.service.postmortemPublished(id, 'run-1', { url: 'https://example.com/pm', file: null, issues: 2, edited: false });
    const after = d.counts();
    expect(after.effects).toBe(before.effects);
    expect(after.wakes).toBe(before.wakes);
  });
});
