import { localClock, NO_SERVICE, periodKey, stat, type LocalTime, type Stat, type TimeRange } from './figures.ts';
import { zonedMidnight } from './periods.ts';

/**
 * Follow-ups opened vs closed, from when each was recorded and when its GitHub issue was closed (as
 * the follow-up state job last read it). Plain TypeScript over a read port, like figures.ts.
 *
 * Definitions: a follow-up is opened when it is recorded (`/incident followup`), and closed when its
 * issue was closed on GitHub (`closed_at`); one never filed, or whose issue is open, is open. "Open at"
 * an instant counts what was opened before it and not closed before it, so over a range
 * open at the end = open at the start + opened − closed. Periods and days are in the team's time zone.
 */

/** A follow-up of an ordinary (not private) incident, with its incident's severity and service for filters. */
export interface FollowupRecord {
  createdAt: number;
  closedAt: number | null;
  severity: string;
  serviceName: string | null;
}

export interface FollowupSource {
  /** Follow-ups that were open at some point of [from, to): opened before `to`, not closed before `from`. */
  followups(range: TimeRange): FollowupRecord[];
}

export interface FollowupPeriod {
  key: string;
  opened: number;
  closed: number;
}

export interface FollowupFigures {
  openAtStart: number;
  opened: number;
  closed: number;
  openAtEnd: number;
  /** From opened to closed, for those closed in the range. */
  timeToClose: Stat;
  byWeek: FollowupPeriod[];
  byMonth: FollowupPeriod[];
  byQuarter: FollowupPeriod[];
  /** The burn-down: open at the end of each local day of the range (the last one ends with the range). */
  burndown: { day: string; open: number }[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const dayKey = (t: LocalTime) => `${t.year}-${pad(t.month)}-${pad(t.day)}`;

function byPeriod(opened: LocalTime[], closed: LocalTime[], keyOf: (t: LocalTime) => string): FollowupPeriod[] {
  const rows = new Map<string, FollowupPeriod>();
  const row = (key: string) => rows.get(key) ?? rows.set(key, { key, opened: 0, closed: 0 }).get(key)!;
  for (const t of opened) row(keyOf(t)).opened++;
  for (const t of closed) row(keyOf(t)).closed++;
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Ends of the local days of `range`, each with its date: the next local midnight, or the range's end. */
function dayEnds(range: TimeRange, timeZone: string, clock: (at: number) => LocalTime): { day: string; end: number }[] {
  const ends: { day: string; end: number }[] = [];
  let t = clock(range.from);
  // A range is at most a few months; the bound only guards against a malformed one.
  for (let i = 0; i < 400; i++) {
    const next = zonedMidnight(t.year, t.month, timeZone, t.day + 1, clock);
    ends.push({ day: dayKey(t), end: Math.min(next, range.to) });
    if (next >= range.to) break;
    t = clock(next);
  }
  return ends;
}

export interface FollowupOptions {
  timeZone: string;
  severities?: readonly string[];
  services?: readonly string[];
}

export function computeFollowupFigures(
  source: FollowupSource,
  range: TimeRange,
  opts: FollowupOptions,
): FollowupFigures {
  const clock = localClock(opts.timeZone);
  const sev = opts.severities?.length ? new Set(opts.severities) : null;
  const svc = opts.services?.length ? new Set(opts.services.map((s) => s.toLowerCase())) : null;
  const items = source
    .followups(range)
    .filter((f) => !sev || sev.has(f.severity))
    .filter((f) => !svc || svc.has((f.serviceName ?? NO_SERVICE).toLowerCase()))
    // An issue is filed after its follow-up is recorded; a clock that disagrees must not make it negative.
    .map((f) => ({ createdAt: f.createdAt, closedAt: f.closedAt === null ? null : Math.max(f.closedAt, f.createdAt) }));
  const inRange = (at: number | null): at is number => at !== null && at >= range.from && at < range.to;
  const openAt = (at: number) => items.filter((f) => f.createdAt < at && !(f.closedAt !== null && f.closedAt < at));
  const opened = items.filter((f) => inRange(f.createdAt));
  const closed = items.filter((f) => inRange(f.closedAt));
  const openedLocal = opened.map((f) => clock(f.createdAt));
  const closedLocal = closed.map((f) => clock(f.closedAt!));
  return {
    openAtStart: openAt(range.from).length,
    opened: opened.length,
    closed: closed.length,
    openAtEnd: openAt(range.to).length,
    timeToClose: stat(closed.map((f) => f.closedAt! - f.createdAt)),
    byWeek: byPeriod(openedLocal, closedLocal, periodKey.week),
    byMonth: byPeriod(openedLocal, closedLocal, periodKey.month),
    byQuarter: byPeriod(openedLocal, closedLocal, periodKey.quarter),
    burndown:
      range.to > range.from
        ? dayEnds(range, opts.timeZone, clock).map(({ day, end }) => ({ day, open: openAt(end).length }))
        : [],
  };
}
