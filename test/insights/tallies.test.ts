import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { computeFigures, incidentFigures, localClock, talliedFigures } from '../../src/insights/figures.ts';
import { InsightsRepository } from '../../src/insights/insights-repository.ts';
import { isUserId } from '../../src/lib/slack-ids.ts';
import { ALICE, BOB, CAROL, DAVE, Domain, MINUTE, START, actor, pagerEvent } from '../incidents/domain-harness.ts';
import { RANGE, TIME_ZONE, seedHistory } from './seeded-history.ts';

/**
 * The insights read each incident's tally (incident_tallies, kept as its timeline grows) instead of
 * its timeline: the figures must be those of the whole timeline however the incident changed after
 * they were first read, and after migration 031 for timelines written before it.
 */

const WINDOW = { from: START - 60 * MINUTE, to: START + 24 * 60 * MINUTE };
const opts = { timeZone: 'UTC', isPerson: isUserId };

let d: Domain;
afterEach(() => d?.close());

/** The incident's figures as the insights read them, and as its whole timeline gives them. */
function both(domain: Domain, id: number) {
  const read = [...new InsightsRepository(domain.db).incidents(WINDOW)].find((h) => h.incident.id === id)!;
  const clock = localClock('UTC');
  return {
    stored: talliedFigures(read, clock, isUserId),
    fromTimeline: incidentFigures({ incident: read.incident, events: domain.timeline(id) }, clock, isUserId),
  };
}

const overall = (domain: Domain) => computeFigures(new InsightsRepository(domain.db), WINDOW, opts);

describe('figures follow an incident after they were first read', () => {
  it('acknowledged, made sev1, resolved, reopened and resolved again: every step counted, as its timeline says', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    expect(overall(d).overall).toMatchObject({ incidents: 1, resolved: 0, acknowledge: { n: 0 } });
    expect(overall(d).bySeverity.map((g) => g.key)).toEqual(['sev3']);

    d.advance(3 * MINUTE);
    d.service.acknowledge(id, BOB);
    expect(overall(d).overall.acknowledge).toMatchObject({ n: 1, median: 3 * MINUTE });
    expect(overall(d).overall.responders).toMatchObject({ median: 2 }); // Alice declared, Bob acknowledged

    d.service.setSeverity(id, 'sev1', actor(ALICE));
    expect(overall(d).bySeverity.map((g) => [g.key, g.incidents])).toEqual([['sev1', 1]]);

    d.advance(7 * MINUTE);
    d.service.resolve(id, actor(CAROL), null);
    expect(overall(d).overall).toMatchObject({
      resolved: 1,
      resolve: { n: 1, median: 10 * MINUTE },
      duration: { n: 1, median: 10 * MINUTE },
      responders: { median: 3 },
    });

    d.advance(5 * MINUTE);
    d.service.reopen(id, actor(ALICE));
    // Open again: no duration, but the service was back after 10 minutes all the same.
    expect(overall(d).overall).toMatchObject({ resolved: 0, resolve: { median: 10 * MINUTE }, duration: { n: 0 } });

    d.advance(20 * MINUTE);
    d.service.resolve(id, actor(ALICE), null);
    expect(overall(d).overall).toMatchObject({
      resolved: 1,
      resolve: { median: 10 * MINUTE },
      duration: { median: 35 * MINUTE },
    });
    const { stored, fromTimeline } = both(d, id);
    expect(stored).toEqual(fromTimeline);
    expect(stored).toMatchObject({ severity: 'sev1', source: 'declared', acknowledgeMs: 3 * MINUTE });
  });

  it("an incident's first event, declared or paged, is counted as its whole timeline counts it", () => {
    d = new Domain();
    const declared = d.declare(ALICE).id;
    const paged = d.service.applyExternal(pagerEvent('triggered', 'd-first', START)).incidentId!;
    for (const id of [declared, paged]) {
      const { stored, fromTimeline } = both(d, id);
      expect(stored).toEqual(fromTimeline);
    }
    expect(both(d, declared).stored).toMatchObject({ source: 'declared' });
    expect(both(d, paged).stored).toMatchObject({ source: 'paged' });
  });

  it('a page acknowledged late, after its resolution was recorded, counts from when it was acknowledged', () => {
    d = new Domain();
    const { incidentId } = d.service.applyExternal(pagerEvent('triggered', 'd-1', START));
    const id = incidentId!;
    d.advance(30 * MINUTE);
    d.service.applyExternal(pagerEvent('resolved', 'd-3', START + 20 * MINUTE));
    expect(both(d, id).stored).toMatchObject({ acknowledgeMs: null, resolveMs: 20 * MINUTE });

    // PagerDuty's acknowledgement of minute 4 arrives after its resolution (events can come out of order).
    d.service.applyExternal(pagerEvent('acknowledged', 'd-2', START + 4 * MINUTE));
    const { stored, fromTimeline } = both(d, id);
    expect(stored).toMatchObject({ acknowledgeMs: 4 * MINUTE, resolveMs: 20 * MINUTE, source: 'paged' });
    expect(stored.pages).toHaveLength(1);
    expect(stored).toEqual(fromTimeline);
  });

  it('events appended out of time order: the earliest counts as first, and a tie goes to the one appended first', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const append = (minutes: number, kind: string, actor: string | null, data: Record<string, unknown> = {}) =>
      d.repo.appendEvent({ incidentId: id, at: START + minutes * MINUTE, kind, actor, data });
    append(6, 'acknowledged', BOB);
    append(4, 'acknowledged', CAROL);
    append(3, 'role_assigned', null, { role: 'commander', user: BOB });
    append(2, 'role_assigned', null, { role: 'commander', user: CAROL });
    append(2, 'role_assigned', null, { role: 'commander', user: ALICE });
    append(9, 'linked', 'PD Pat');
    append(1, 'paged', 'PD Pat');
    append(30, 'resolved', ALICE);
    append(25, 'resolved', ALICE);
    d.repo.update(id, { status: 'resolved', resolvedAt: START + 30 * MINUTE }, START);
    const { stored, fromTimeline } = both(d, id);
    expect(stored).toMatchObject({ acknowledgeMs: 4 * MINUTE, resolveMs: 25 * MINUTE, durationMs: 30 * MINUTE });
    expect(stored.source).toBe('paged');
    expect(stored.pages.map((p) => [p.at - START, p.person])).toEqual([
      [MINUTE, CAROL],
      [9 * MINUTE, CAROL],
    ]);
    expect(stored).toEqual(fromTimeline);
  });
});

describe('migration 031 on a database whose timelines were written before it', () => {
  it('marks every incident with a timeline stale, and the first read counts them: the same figures as before', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const ids = seedHistory(db);
    const before = computeFigures(new InsightsRepository(db), RANGE, { timeZone: TIME_ZONE, isPerson: isUserId });

    // The database as it was before 031: no tallies, and 031 not yet applied.
    db.exec('DROP TABLE incident_tallies');
    db.prepare('DELETE FROM schema_migrations WHERE version = 31').run();
    expect(migrate(db)).toEqual(['031_incident_tallies']);
    const stale = db.prepare('SELECT count(*) FROM incident_tallies WHERE stale = 1').pluck().get();
    expect(stale).toBe(ids.length);

    const repo = new InsightsRepository(db);
    expect(computeFigures(repo, RANGE, { timeZone: TIME_ZONE, isPerson: isUserId })).toEqual(before);
    expect(repo.countStaleTallies()).toBe(0);
    db.close();
  });
});

describe('an event and its tally are one write', () => {
  it('appended in a change that then fails, neither stays; appended in one that commits, both do', () => {
    d = new Domain();
    const { id } = d.declare(ALICE);
    const events = d.timeline(id).length;
    expect(overall(d).overall.responders).toMatchObject({ median: 1 });

    // The note is written inside a caller's transaction (as the outbox and grouped webhooks do) that fails after it.
    const failing = d.db.transaction(() => {
      d.service.addNote(id, 'looking at the database', DAVE);
      throw new Error('a later step failed');
    });
    expect(failing).toThrow('a later step failed');
    expect(d.timeline(id)).toHaveLength(events);
    expect(overall(d).overall.responders).toMatchObject({ median: 1 });

    d.db.transaction(() => d.service.addNote(id, 'looking at the database', DAVE))();
    expect(d.timeline(id)).toHaveLength(events + 1);
    expect(overall(d).overall.responders).toMatchObject({ median: 2 });
  });
});
