import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { computeFigures, type IncidentFilter } from '../../src/insights/figures.ts';
import { InsightsRepository } from '../../src/insights/insights-repository.ts';
import { isUserId } from '../../src/lib/slack-ids.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { RANGE, SEEDS, TIME_ZONE, seedHistory } from './seeded-history.ts';

let db: Db;
let ids: number[];
beforeEach(() => {
  db = openTestDatabase(':memory:');
  migrate(db);
  ids = seedHistory(db);
});
afterEach(() => db.close());

/** The seeded incidents in RANGE that `keep` selects, by id, oldest first (as the seeds are). */
const seeded = (keep: (s: (typeof SEEDS)[number]) => boolean) =>
  SEEDS.flatMap((s, n) => (s.at >= RANGE.from && s.at < RANGE.to && keep(s) ? [ids[n]] : []));

const read = (filter?: IncidentFilter) =>
  [...new InsightsRepository(db).incidents(RANGE, filter)].map((h) => h.incident.id);

describe('insights read only the incidents a filter selects (issue 22: the filter is in the query)', () => {
  it('severities match exactly; services without case; several of each select any of them', () => {
    expect(read({ severities: ['sev1'], services: ['CHECKOUT'] })).toEqual(
      seeded((s) => s.severity === 'sev1' && s.service === 'checkout'),
    );
    expect(read({ severities: ['sev2', 'sev3'] })).toEqual(seeded((s) => s.severity !== 'sev1'));
    expect(read({ services: ['Search', 'checkout'] })).toEqual(
      seeded((s) => s.service === 'search' || s.service === 'checkout'),
    );
  });

  it('"(none)" selects the incidents that name no service; no filter reads every one of the range', () => {
    expect(read({ services: ['(None)'] })).toEqual(seeded((s) => s.service === null));
    expect(read({ severities: [], services: [] })).toEqual(seeded(() => true));
    expect(read()).toEqual(seeded(() => true));
  });

  it('a service name the query cannot fold (not ASCII) is left to the figures, which still filter by it', () => {
    expect(read({ services: ['Çheckout'] })).toEqual(seeded(() => true));
    const opts = { timeZone: TIME_ZONE, isPerson: isUserId, services: ['Çheckout'] };
    expect(computeFigures(new InsightsRepository(db), RANGE, opts).overall.incidents).toBe(0);
  });

  it('figures from the filtered read equal those of reading everything and filtering in memory', () => {
    const everything = { incidents: () => new InsightsRepository(db).incidents(RANGE) };
    for (const filter of [{ severities: ['sev1'], services: ['Checkout'] }, { services: ['(none)', 'search'] }]) {
      const opts = { timeZone: TIME_ZONE, isPerson: isUserId, ...filter };
      expect(computeFigures(new InsightsRepository(db), RANGE, opts)).toEqual(computeFigures(everything, RANGE, opts));
    }
  });
});
