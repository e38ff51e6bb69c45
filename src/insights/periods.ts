import { localClock, type LocalTime, type TimeRange } from './figures.ts';

/** The periods `/incident stats` and the page accept, each compared with the one just before it. */
export const PERIODS = ['7d', '30d', '90d', 'quarter'] as const;
export type Period = (typeof PERIODS)[number];

const DAY = 86_400_000;
const DAYS: Record<Exclude<Period, 'quarter'>, number> = { '7d': 7, '30d': 30, '90d': 90 };

export const isPeriod = (word: string): word is Period => (PERIODS as readonly string[]).includes(word);

export interface PeriodRanges {
  current: TimeRange;
  previous: TimeRange;
  /** How people read it: "the last 30 days", "this quarter (2026-Q1) so far". */
  label: string;
}

/**
 * The range a period covers at `now` and the one it is compared with. Rolling periods end now; the
 * quarter is the calendar quarter so far in the team's time zone, compared with the same number of
 * days from the start of the quarter before (so a quarter two weeks old is not set against a whole one).
 */
export function periodRanges(period: Period, now: number, timeZone: string): PeriodRanges {
  if (period !== 'quarter') {
    const span = DAYS[period] * DAY;
    return {
      current: { from: now - span, to: now },
      previous: { from: now - 2 * span, to: now - span },
      label: `the last ${DAYS[period]} days`,
    };
  }
  const t = localClock(timeZone)(now);
  const firstMonth = Math.floor((t.month - 1) / 3) * 3 + 1;
  const start = zonedMidnight(t.year, firstMonth, timeZone);
  const prevStart = zonedMidnight(
    firstMonth === 1 ? t.year - 1 : t.year,
    firstMonth === 1 ? 10 : firstMonth - 3,
    timeZone,
  );
  const elapsed = now - start;
  return {
    current: { from: start, to: now },
    previous: { from: prevStart, to: Math.min(prevStart + elapsed, start) },
    label: `this quarter (${t.year}-Q${(firstMonth + 2) / 3}) so far`,
  };
}

/**
 * The instant day `day` (the 1st unless said) of `month` begins in `timeZone` (UTC guessed, then
 * corrected by the zone's offset). A day past the month's end rolls over (31 April is 1 May).
 */
export function zonedMidnight(
  year: number,
  month: number,
  timeZone: string,
  day = 1,
  clock: (at: number) => LocalTime = localClock(timeZone),
): number {
  const guess = Date.UTC(year, month - 1, day);
  let at = guess;
  // Two corrections settle any offset, including a day-light saving change near the date.
  for (let i = 0; i < 2; i++) {
    const t = clock(at);
    const shown = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
    at -= shown - guess;
  }
  return at;
}
