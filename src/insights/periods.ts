import { localClock, type LocalTime, type TimeRange } from './figures.ts';

/** The periods `/incident stats` and the page accept, each compared with the one just before it. */
export const PERIODS = ['7d', '30d', '90d', 'quarter'] as const;
/** A calendar month in the team's time zone (`2026-03`): what the monthly summary links to. */
export type MonthPeriod = `${number}-${number}`;
export type Period = (typeof PERIODS)[number] | MonthPeriod;
const MONTH = /^(2\d{3})-(0[1-9]|1[0-2])$/;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const DAY = 86_400_000;
const DAYS: Record<Exclude<(typeof PERIODS)[number], 'quarter'>, number> = { '7d': 7, '30d': 30, '90d': 90 };

export const isPeriod = (word: string): word is Period =>
  (PERIODS as readonly string[]).includes(word) || MONTH.test(word);

/** The month before `year`-`month` (1–12). */
export const monthBefore = (year: number, month: number) =>
  month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 };

/** `2026-03`, and how people read it: "March 2026". */
export const monthKey = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}` as MonthPeriod;
export const monthName = (year: number, month: number) => `${MONTH_NAMES[month - 1]!} ${year}`;

/** A calendar month in the time zone, compared with the month before it. */
function monthRanges(year: number, month: number, timeZone: string): PeriodRanges {
  const before = monthBefore(year, month);
  const start = zonedMidnight(year, month, timeZone);
  return {
    current: { from: start, to: zonedMidnight(year, month + 1, timeZone) },
    previous: { from: zonedMidnight(before.year, before.month, timeZone), to: start },
    label: monthName(year, month),
  };
}

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
  const month = MONTH.exec(period);
  if (month) return monthRanges(Number(month[1]), Number(month[2]), timeZone);
  if (period !== 'quarter') {
    const days = DAYS[period as keyof typeof DAYS];
    const span = days * DAY;
    return {
      current: { from: now - span, to: now },
      previous: { from: now - 2 * span, to: now - span },
      label: `the last ${days} days`,
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
