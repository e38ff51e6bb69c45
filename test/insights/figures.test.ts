import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { computeFigures, localClock, percentile, type Figures, type Group } from '../../src/insights/figures.ts';
import { InsightsRepository } from '../../src/insights/insights-repository.ts';
import { isUserId } from '../../src/lib/slack-ids.ts';
import { computeFollowupFigures } from '../../src/insights/followup-figures.ts';
import { ALICE, BOB, MIN, RANGE, TIME_ZONE, seedFollowups, seedHistory } from './seeded-history.ts';

const m = (minutes: number) => minutes * MIN;
/** [n, median, p90, mean] in minutes (mean in ms when it is not a whole minute). */
const s = (n: number, median: number | null, p90: number | null, meanMs: number | null) => ({
  n,
  median: median === null ? null : m(median),
  p90: p90 === null ? null : m(p90),
  mean: meanMs,
});

let figures: Figures;
let source: InsightsRepository;
beforeAll(() => {
  const db = openDatabase(':memory:');
  migrate(db);
  seedFollowups(db, seedHistory(db));
  source = new InsightsRepository(db);
  figures = computeFigures(source, RANGE, { timeZone: TIME_ZONE, isPerson: isUserId });
});

const byKey = (groups: Group[]) => Object.fromEntries(groups.map((g) => [g.key, g]));

describe('insights figures over the seeded history (every value counted by hand)', () => {
  it('nearest-rank percentiles pick an observed value: p50 of 4 is the 2nd, p90 of 7 is the 7th', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7], 90)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });

  it('overall: 7 incidents in range (the April one is not), 6 resolved', () => {
    const o = figures.overall;
    expect(o.incidents).toBe(7);
    expect(o.resolved).toBe(6);
    // TTA 4,10,2,6,15,3,1 → sorted 1,2,3,4,6,10,15: median 4th, p90 7th, mean 41/7 min.
    expect(o.acknowledge).toEqual(s(7, 4, 15, Math.round((41 * MIN) / 7)));
    // TTM 20,30,25,8 → 8,20,25,30: median 2nd, p90 4th, mean 20.75 min.
    expect(o.mitigate).toEqual(s(4, 20, 30, 1_245_000));
    // TTR (first resolve) 50,90,45,40,180,30 → 30,40,45,50,90,180: median 3rd, p90 6th, mean 72.5 min.
    expect(o.resolve).toEqual(s(6, 45, 180, 4_350_000));
    // Duration (last resolve; I3 reopened → 120) → 30,40,50,90,120,180; mean 85 min.
    expect(o.duration).toEqual(s(6, 50, 180, m(85)));
    // Responders 2,1,2,1,0,1,1 → 0,1,1,1,1,2,2: median 1, p90 2, mean 8/7 → 1.
    expect(o.responders).toEqual({ n: 7, median: 1, p90: 2, mean: 1 });
    // Pages: I1 1, I2 2, I4 1, I5 1, I7 1; all but I1's are out of hours.
    expect(o.pages).toBe(6);
    expect(o.pagesOutOfHours).toBe(5);
  });

  it('by month in Europe/Berlin: the Saturday 23:30 UTC page is Sunday 1 February locally', () => {
    const g = byKey(figures.byMonth);
    expect(Object.keys(g)).toEqual(['2026-01', '2026-02', '2026-03']);
    // January: I1, I2, I3. TTA 4,10,2; TTM 20,30; TTR 50,90,45; duration 50,90,120.
    expect(g['2026-01']).toMatchObject({ incidents: 3, resolved: 3, pages: 3, pagesOutOfHours: 2 });
    expect(g['2026-01']!.acknowledge).toEqual(s(3, 4, 10, 320_000));
    expect(g['2026-01']!.mitigate).toEqual(s(2, 20, 30, m(25)));
    expect(g['2026-01']!.resolve).toEqual(s(3, 50, 90, 3_700_000));
    expect(g['2026-01']!.duration).toEqual(s(3, 90, 120, 5_200_000));
    // February: I4 (locally), I5. TTA 6,15; TTM 25; TTR 40,180.
    expect(g['2026-02']).toMatchObject({ incidents: 2, resolved: 2, pages: 2, pagesOutOfHours: 2 });
    expect(g['2026-02']!.acknowledge).toEqual(s(2, 6, 15, 630_000));
    expect(g['2026-02']!.mitigate).toEqual(s(1, 25, 25, m(25)));
    expect(g['2026-02']!.resolve).toEqual(s(2, 40, 180, m(110)));
    // March: I6 (open), I7. TTA 3,1; TTM 8; TTR 30.
    expect(g['2026-03']).toMatchObject({ incidents: 2, resolved: 1, pages: 1, pagesOutOfHours: 1 });
    expect(g['2026-03']!.acknowledge).toEqual(s(2, 1, 3, m(2)));
    expect(g['2026-03']!.mitigate).toEqual(s(1, 8, 8, m(8)));
    expect(g['2026-03']!.resolve).toEqual(s(1, 30, 30, m(30)));
    expect(g['2026-03']!.duration).toEqual(s(1, 30, 30, m(30)));
  });

  it('by ISO week and quarter, in local time', () => {
    const weeks = figures.byWeek.map((w) => [w.key, w.incidents]);
    // 5 Jan and Sat 10 Jan: W02; 21 Jan: W04; Sun 1 Feb: W05; 16 Feb: W08; 2 Mar: W10; 20 Mar: W12.
    expect(weeks).toEqual([
      ['2026-W02', 2],
      ['2026-W04', 1],
      ['2026-W05', 1],
      ['2026-W08', 1],
      ['2026-W10', 1],
      ['2026-W12', 1],
    ]);
    expect(byKey(figures.byWeek)['2026-W02']!.acknowledge).toEqual(s(2, 4, 10, m(7)));
    expect(figures.byQuarter).toEqual([{ ...figures.overall, key: '2026-Q1' }]);
  });

  it('by severity', () => {
    const g = byKey(figures.bySeverity);
    expect(Object.keys(g)).toEqual(['sev1', 'sev2', 'sev3']);
    // sev1: I1, I5, I7. TTA 4,15,1; TTR 50,180,30; pages 3, out of hours I5, I7.
    expect(g.sev1).toMatchObject({ incidents: 3, resolved: 3, pages: 3, pagesOutOfHours: 2 });
    expect(g.sev1!.acknowledge).toEqual(s(3, 4, 15, m(20 / 3)));
    expect(g.sev1!.resolve).toEqual(s(3, 50, 180, m(260 / 3)));
    // sev2: I2, I4. TTA 10,6; TTR 90,40; 3 pages, all at night.
    expect(g.sev2).toMatchObject({ incidents: 2, resolved: 2, pages: 3, pagesOutOfHours: 3 });
    expect(g.sev2!.acknowledge).toEqual(s(2, 6, 10, m(8)));
    expect(g.sev2!.resolve).toEqual(s(2, 40, 90, m(65)));
    // sev3: I3, I6. TTA 2,3; TTM 30,8; TTR 45; no pages.
    expect(g.sev3).toMatchObject({ incidents: 2, resolved: 1, pages: 0, pagesOutOfHours: 0 });
    expect(g.sev3!.acknowledge).toEqual(s(2, 2, 3, 150_000));
    expect(g.sev3!.mitigate).toEqual(s(2, 8, 30, m(19)));
    expect(g.sev3!.duration).toEqual(s(1, 120, 120, m(120)));
  });

  it('by service (none sorts first) and by source', () => {
    const svc = byKey(figures.byService);
    expect(Object.keys(svc)).toEqual(['(none)', 'checkout', 'search']);
    // checkout: I1, I2, I6, I7. TTA 4,10,3,1 → 1,3,4,10; TTR 50,90,30; pages 1+2+1, out of hours 2+1.
    expect(svc.checkout).toMatchObject({ incidents: 4, resolved: 3, pages: 4, pagesOutOfHours: 3 });
    expect(svc.checkout!.acknowledge).toEqual(s(4, 3, 10, 270_000));
    expect(svc.checkout!.resolve).toEqual(s(3, 50, 90, m(170 / 3)));
    expect(svc.search).toMatchObject({ incidents: 2, pages: 2, pagesOutOfHours: 2 });
    expect(svc.search!.resolve).toEqual(s(2, 40, 180, m(110)));
    expect(svc['(none)']).toMatchObject({ incidents: 1, pages: 0 });

    const src = byKey(figures.bySource);
    expect(Object.keys(src)).toEqual(['alert', 'declared', 'paged']);
    expect(src.alert).toMatchObject({ incidents: 1, resolved: 0 });
    expect(src.declared).toMatchObject({ incidents: 1, resolved: 1 });
    // paged: I1, I2, I4, I5, I7. TTA 4,10,6,15,1 → 1,4,6,10,15; TTR 50,90,40,180,30 → 30,40,50,90,180.
    expect(src.paged).toMatchObject({ incidents: 5, resolved: 5, pages: 6, pagesOutOfHours: 5 });
    expect(src.paged!.acknowledge).toEqual(s(5, 6, 15, m(36 / 5)));
    expect(src.paged!.resolve).toEqual(s(5, 50, 180, m(78)));
  });

  it('paging load: per person paged (first commander the page named) and by local hour of day', () => {
    expect(figures.pagesByPerson).toEqual([
      { person: ALICE, pages: 3, outOfHours: 2 },
      { person: BOB, pages: 2, outOfHours: 2 },
      { person: 'unassigned', pages: 1, outOfHours: 1 },
    ]);
    const hours = Object.fromEntries(figures.pagesByHour.flatMap((n, h) => (n ? [[h, n]] : [])));
    // Berlin: I1 11:00, I2 03:30 and 03:35, I4 00:30, I5 08:00, I7 18:59.
    expect(hours).toEqual({ 0: 1, 3: 2, 8: 1, 11: 1, 18: 1 });
  });

  it('filters by severity and service (case-insensitive service names)', () => {
    const f = computeFigures(source, RANGE, {
      timeZone: TIME_ZONE,
      isPerson: isUserId,
      severities: ['sev1'],
      services: ['Checkout'],
    });
    // I1 and I7: TTA 4, 1.
    expect(f.overall).toMatchObject({ incidents: 2, pages: 2, pagesOutOfHours: 1 });
    expect(f.overall.acknowledge).toEqual(s(2, 1, 4, 150_000));
  });

  it('in UTC the same history falls in other buckets (the zone is honoured, not assumed)', () => {
    const f = computeFigures(source, RANGE, { timeZone: 'UTC', isPerson: isUserId });
    expect(f.byMonth.map((g) => [g.key, g.incidents])).toEqual([
      ['2026-01', 4],
      ['2026-02', 1],
      ['2026-03', 2],
    ]);
    // I4 is Saturday 23:30 in UTC: still out of hours; I5 07:00 too; I7 17:59 is now in hours.
    expect(f.overall.pagesOutOfHours).toBe(4);
  });
});

describe('follow-ups opened vs closed over the seeded history (counted by hand)', () => {
  const H = 60 * MIN;
  const follow = (range = RANGE, filters: { severities?: string[] } = {}) =>
    computeFollowupFigures(source, range, { timeZone: TIME_ZONE, ...filters });

  it('over the range: F1–F6 opened, F1, F2, F4 closed; the private F7 and the April F8 never count', () => {
    const f = follow();
    expect(f).toMatchObject({ openAtStart: 0, opened: 6, closed: 3, openAtEnd: 3 });
    // Closed after 358 h, 860.5 h, 864 h: median the 2nd, p90 the 3rd, mean 2082.5 h / 3.
    expect(f.timeToClose).toEqual({ n: 3, median: 860.5 * H, p90: 864 * H, mean: 2_499_000_000 });
  });

  it('per local month, ISO week and quarter: F6 opened on 31 March UTC is April (and Q2) in Berlin', () => {
    const f = follow();
    expect(f.byMonth).toEqual([
      { key: '2026-01', opened: 3, closed: 1 },
      { key: '2026-02', opened: 1, closed: 1 },
      { key: '2026-03', opened: 1, closed: 1 },
      { key: '2026-04', opened: 1, closed: 0 },
    ]);
    expect(f.byWeek.map((w) => [w.key, w.opened, w.closed])).toEqual([
      ['2026-W02', 2, 0],
      ['2026-W03', 1, 0],
      ['2026-W04', 0, 1],
      ['2026-W06', 1, 0],
      ['2026-W07', 0, 1],
      ['2026-W10', 1, 0],
      ['2026-W11', 0, 1],
      ['2026-W14', 1, 0],
    ]);
    expect(f.byQuarter).toEqual([
      { key: '2026-Q1', opened: 5, closed: 3 },
      { key: '2026-Q2', opened: 1, closed: 0 },
    ]);
  });

  it('the burn-down: open at the end of each Berlin day, 1 January to 1 April (the range ends at 02:00 there)', () => {
    const days = Object.fromEntries(follow().burndown.map((d) => [d.day, d.open]));
    expect(Object.keys(days)).toHaveLength(31 + 28 + 31 + 1);
    expect(days).toMatchObject({
      '2026-01-01': 0,
      '2026-01-04': 0,
      '2026-01-05': 2,
      '2026-01-12': 3,
      '2026-01-19': 3,
      '2026-01-20': 2,
      '2026-02-02': 3,
      '2026-02-10': 2,
      '2026-03-03': 3,
      '2026-03-10': 2,
      '2026-03-31': 2,
      '2026-04-01': 3,
    });
  });

  it('over February alone: two carried in (F2, F3), F4 opened, F2 closed', () => {
    const feb = { from: Date.UTC(2026, 0, 31, 23), to: Date.UTC(2026, 1, 28, 23) };
    const f = follow(feb);
    expect(f).toMatchObject({ openAtStart: 2, opened: 1, closed: 1, openAtEnd: 2 });
    expect(f.burndown).toHaveLength(28);
    expect(f.burndown[0]).toEqual({ day: '2026-02-01', open: 2 });
    expect(f.burndown.at(-1)).toEqual({ day: '2026-02-28', open: 2 });
  });

  it('filtered by severity: sev1 has F1, F2, F6 (the private sev1 incident’s F7 is still left out)', () => {
    expect(follow(RANGE, { severities: ['sev1'] })).toMatchObject({ opened: 3, closed: 2, openAtEnd: 1 });
  });
});

describe('the local clock', () => {
  it('agrees with Intl every 7 minutes across daylight-saving changes and odd offsets', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    // Around the March and October/November changes of 2026 in both hemispheres.
    const spans = [
      Date.UTC(2026, 2, 7),
      Date.UTC(2026, 2, 27),
      Date.UTC(2026, 3, 4),
      Date.UTC(2026, 9, 3),
      Date.UTC(2026, 9, 24),
    ];
    for (const timeZone of zones) {
      const fast = localClock(timeZone);
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      });
      for (const start of spans) {
        for (let at = start; at < start + 3 * 86_400_000; at += 7 * MIN + 13_000) {
          const t = fast(at);
          const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]));
          expect([t.year, t.month, t.day, t.hour, t.minute], `${timeZone} ${new Date(at).toISOString()}`).toEqual(
            [p.year, p.month, p.day, p.hour, p.minute].map(Number),
          );
        }
      }
    }
  });
});
