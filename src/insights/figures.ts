import type { Incident, TimelineEvent } from '../incidents/types.ts';
import { tallyOf, type IncidentTally } from './incident-tally.ts';

/**
 * Insights across incidents, computed exactly from the timeline (every incident in the range is read,
 * through the tally of its timeline kept beside it, incident-tally.ts; nothing is sampled). Plain
 * TypeScript over a read port: it knows no chat, HTTP or SQL.
 *
 * Definitions (each from the timeline, measured from when the incident started, `declaredAt`):
 * - time to acknowledge: the first `acknowledged` event;
 * - time to mitigate: the first `mitigated` event;
 * - time to resolve: the first `resolved` event (service was back, even if it was reopened later);
 * - duration: the last `resolved` event of an incident that is resolved now (reopened time included);
 * - pages: each `paged` (a page opened it) and `linked` (another page joined it) event;
 * - the person paged: who the page made commander (the first `role_assigned` commander event that no
 *   person made), `unassigned` when the page found nobody;
 * - out of hours: a page outside Monday–Friday 09:00–18:00 in the team's time zone;
 * - responders: the people who held a role or acted on the timeline (the caller says who is a person,
 *   so a paging system's display names do not count).
 * Incidents are grouped by when they started, in the team's time zone; pages by hour by their own time.
 */

/**
 * What the figures read: incidents started in [from, to), each with the tally of its timeline, oldest
 * first. A source may narrow the read to `filter` (the repository does, in its query, so a narrow
 * filter reads a small part); the figures apply the filter again, so one that ignores it is as right.
 */
export interface InsightsSource {
  incidents(range: TimeRange, filter?: IncidentFilter): Iterable<TalliedIncident>;
}

/** Severities and services to keep (none: all); services compare without case, `(none)` for no service. */
export interface IncidentFilter {
  severities?: readonly string[];
  services?: readonly string[];
}

export interface TimeRange {
  from: number;
  to: number;
}

/** An incident as the figures read it: its current fields and what its timeline says (incident-tally.ts). */
export interface TalliedIncident {
  incident: Pick<Incident, 'id' | 'severity' | 'serviceName' | 'declaredAt' | 'status'>;
  tally: IncidentTally;
}

/** An incident with its whole timeline (the tally is made from it). */
export interface IncidentHistory {
  incident: TalliedIncident['incident'];
  events: Pick<TimelineEvent, 'at' | 'kind' | 'actor' | 'data'>[];
}

export const SOURCES = ['paged', 'declared', 'alert'] as const;
export type SourceKind = (typeof SOURCES)[number];

/** No service named (declared by hand, or the page carried none). */
export const NO_SERVICE = '(none)';
export const UNASSIGNED = 'unassigned';

/** Working hours: a page outside them is "out of hours" (the alert-fatigue measure). */
export const WORKING_HOURS = { firstDay: 1, lastDay: 5, fromHour: 9, toHour: 18 } as const;

export interface Page {
  at: number;
  person: string;
  outOfHours: boolean;
  /** Hour of day (0–23) in the team's time zone. */
  hour: number;
}

export interface IncidentFigures {
  id: number;
  severity: string;
  service: string;
  source: SourceKind;
  declaredAt: number;
  acknowledgeMs: number | null;
  mitigateMs: number | null;
  resolveMs: number | null;
  durationMs: number | null;
  pages: Page[];
  responders: number;
}

/** A distribution of durations (ms) or counts. */
export interface Stat {
  n: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
}

export interface Group {
  key: string;
  incidents: number;
  resolved: number;
  acknowledge: Stat;
  mitigate: Stat;
  resolve: Stat;
  duration: Stat;
  responders: Stat;
  pages: number;
  pagesOutOfHours: number;
}

export interface PersonLoad {
  person: string;
  pages: number;
  outOfHours: number;
}

export interface Figures {
  range: TimeRange;
  timeZone: string;
  overall: Group;
  byWeek: Group[];
  byMonth: Group[];
  byQuarter: Group[];
  bySeverity: Group[];
  byService: Group[];
  bySource: Group[];
  /** Most paged first. */
  pagesByPerson: PersonLoad[];
  /** Index = hour of day in the team's time zone. */
  pagesByHour: number[];
}

export interface FigureOptions {
  timeZone: string;
  /** Whether an actor id names a person of the team (not a paging system's display name). */
  isPerson: (actor: string) => boolean;
  severities?: readonly string[];
  services?: readonly string[];
}

/**
 * Nearest-rank percentile: the smallest value such that at least p % of the values are at or below
 * it, i.e. sorted[ceil(p/100 · n) − 1]. Always one of the observed values (no interpolation), so
 * a hand count checks it; the median is p50 by the same rule (the lower middle for an even count).
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Mean rounded to a whole unit (ms), so results are exact integers. */
export function stat(values: readonly number[]): Stat {
  // A typed array sorts numbers as numbers, without a comparator call per comparison.
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n,
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    mean: n === 0 ? null : Math.round(sum / n),
  };
}

const DAY_MS = 86_400_000;

/**
 * The local calendar fields of an instant in a time zone. Intl is asked for the zone's offset at the
 * two ends of each UTC day (cached), and the fields are then plain arithmetic: Intl's formatting is
 * what made 10,000 incidents slow. A day whose two ends disagree holds an offset change, and every
 * instant in it is asked of Intl directly, so the answer is always Intl's.
 */
export function localClock(timeZone: string): (at: number) => LocalTime {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
    hourCycle: 'h23',
  });
  const exact = (at: number): LocalTime => {
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(at)) parts[p.type] = p.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
    };
  };
  /** Local minus UTC, in ms, at a whole minute. */
  const offsetAt = (minute: number) => {
    const t = exact(minute);
    return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute) - minute;
  };
  const days = new Map<number, number | null>();
  return (at) => {
    const day = Math.floor(at / DAY_MS);
    let offset = days.get(day);
    if (offset === undefined) {
      const start = offsetAt(day * DAY_MS);
      offset = start === offsetAt(day * DAY_MS + DAY_MS - 60_000) ? start : null;
      days.set(day, offset);
    }
    if (offset === null) return exact(at);
    const local = new Date(Math.floor(at / 60_000) * 60_000 + offset);
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      weekday: local.getUTCDay(),
    };
  };
}
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Period labels: ISO week (2026-W03), month (2026-01), quarter (2026-Q1). */
export const periodKey = {
  week(t: LocalTime): string {
    // ISO 8601: the week belongs to the year of its Thursday.
    const date = Date.UTC(t.year, t.month - 1, t.day);
    const isoDay = (new Date(date).getUTCDay() + 6) % 7;
    const thursday = new Date(date - isoDay * 86_400_000 + 3 * 86_400_000);
    const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
    const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * 86_400_000));
    return `${thursday.getUTCFullYear()}-W${pad(week)}`;
  },
  month: (t: LocalTime) => `${t.year}-${pad(t.month)}`,
  quarter: (t: LocalTime) => `${t.year}-Q${Math.ceil(t.month / 3)}`,
};

function outOfHours(t: LocalTime): boolean {
  const h = WORKING_HOURS;
  return t.weekday < h.firstDay || t.weekday > h.lastDay || t.hour < h.fromHour || t.hour >= h.toHour;
}

function sourceOf(t: IncidentTally): SourceKind {
  if (t.paged) return 'paged';
  return t.declaredEventAt === null ? 'paged' : t.declaredInSlack ? 'declared' : 'alert';
}

/** One incident's figures from the tally of its timeline. */
export function talliedFigures(
  { incident, tally }: TalliedIncident,
  clock: (at: number) => LocalTime,
  isPerson: (actor: string) => boolean,
): IncidentFigures {
  const start = incident.declaredAt;
  const since = (at: number | null) => (at === null ? null : at - start);
  const person = tally.pager ?? UNASSIGNED;
  const pages = tally.pageTimes.map((at) => {
    const t = clock(at);
    return { at, person, outOfHours: outOfHours(t), hour: t.hour };
  });
  return {
    id: incident.id,
    severity: incident.severity,
    service: incident.serviceName ?? NO_SERVICE,
    source: sourceOf(tally),
    declaredAt: start,
    acknowledgeMs: since(tally.acknowledgedAt),
    mitigateMs: since(tally.mitigatedAt),
    resolveMs: since(tally.firstResolvedAt),
    durationMs: incident.status === 'resolved' ? since(tally.lastResolvedAt) : null,
    pages,
    responders: tally.names.filter(isPerson).length,
  };
}

/** One incident's figures from its timeline (in time order). */
export function incidentFigures(
  h: IncidentHistory,
  clock: (at: number) => LocalTime,
  isPerson: (actor: string) => boolean,
): IncidentFigures {
  return talliedFigures({ incident: h.incident, tally: tallyOf(h.events) }, clock, isPerson);
}

/** What a group keeps while the incidents stream by: counts, and the values its distributions need. */
interface GroupTally {
  incidents: number;
  acknowledge: number[];
  mitigate: number[];
  resolve: number[];
  duration: number[];
  responders: number[];
  pages: number;
  pagesOutOfHours: number;
}

const emptyGroup = (): GroupTally => ({
  incidents: 0,
  acknowledge: [],
  mitigate: [],
  resolve: [],
  duration: [],
  responders: [],
  pages: 0,
  pagesOutOfHours: 0,
});

function addTo(g: GroupTally, i: IncidentFigures): void {
  g.incidents++;
  if (i.acknowledgeMs !== null) g.acknowledge.push(i.acknowledgeMs);
  if (i.mitigateMs !== null) g.mitigate.push(i.mitigateMs);
  if (i.resolveMs !== null) g.resolve.push(i.resolveMs);
  if (i.durationMs !== null) g.duration.push(i.durationMs);
  g.responders.push(i.responders);
  g.pages += i.pages.length;
  for (const p of i.pages) if (p.outOfHours) g.pagesOutOfHours++;
}

function group(key: string, g: GroupTally): Group {
  return {
    key,
    incidents: g.incidents,
    resolved: g.duration.length,
    acknowledge: stat(g.acknowledge),
    mitigate: stat(g.mitigate),
    resolve: stat(g.resolve),
    duration: stat(g.duration),
    responders: stat(g.responders),
    pages: g.pages,
    pagesOutOfHours: g.pagesOutOfHours,
  };
}

/** Groups in key order (periods and severities sort by their labels). */
const sortedGroups = (groups: Map<string, GroupTally>): Group[] =>
  [...groups.keys()].sort().map((k) => group(k, groups.get(k)!));

const GROUPINGS = ['byWeek', 'byMonth', 'byQuarter', 'bySeverity', 'byService', 'bySource'] as const;
type Grouping = (typeof GROUPINGS)[number];

/**
 * The figures of one range, counted as the incidents stream by: each incident is added to the groups
 * it belongs to and dropped, so the memory held is a few numbers an incident, not the incidents (at
 * 100,000 incidents, keeping them all and grouping afterwards was most of the time, in the garbage
 * collector).
 */
export class FiguresBuilder {
  private readonly clock;
  private readonly sev;
  private readonly svc;
  private readonly overall = emptyGroup();
  private readonly groups = Object.fromEntries(GROUPINGS.map((g) => [g, new Map<string, GroupTally>()])) as Record<
    Grouping,
    Map<string, GroupTally>
  >;
  /** The period keys of each local day seen (a range holds a few hundred days, not an incident's worth). */
  private readonly dayKeys = new Map<number, [week: string, month: string, quarter: string]>();
  private readonly persons = new Map<string, PersonLoad>();
  private readonly byHour = Array.from({ length: 24 }, () => 0);

  constructor(
    readonly range: TimeRange,
    private readonly opts: FigureOptions,
  ) {
    this.clock = localClock(opts.timeZone);
    this.sev = opts.severities?.length ? new Set(opts.severities) : null;
    this.svc = opts.services?.length ? new Set(opts.services.map((s) => s.toLowerCase())) : null;
  }

  /** Counts one incident of the range (one the filters leave out is skipped). */
  add(h: TalliedIncident): void {
    if (this.sev && !this.sev.has(h.incident.severity)) return;
    if (this.svc && !this.svc.has((h.incident.serviceName ?? NO_SERVICE).toLowerCase())) return;
    const i = talliedFigures(h, this.clock, this.opts.isPerson);
    const [week, month, quarter] = this.periodKeys(i.declaredAt);
    addTo(this.overall, i);
    const keys: Record<Grouping, string> = {
      byWeek: week,
      byMonth: month,
      byQuarter: quarter,
      bySeverity: i.severity,
      byService: i.service,
      bySource: i.source,
    };
    for (const g of GROUPINGS) {
      const groups = this.groups[g];
      let tally = groups.get(keys[g]);
      if (!tally) groups.set(keys[g], (tally = emptyGroup()));
      addTo(tally, i);
    }
    for (const p of i.pages) {
      let load = this.persons.get(p.person);
      if (!load) this.persons.set(p.person, (load = { person: p.person, pages: 0, outOfHours: 0 }));
      load.pages++;
      if (p.outOfHours) load.outOfHours++;
      this.byHour[p.hour]!++;
    }
  }

  private periodKeys(at: number): [string, string, string] {
    const t = this.clock(at);
    const day = (t.year * 13 + t.month) * 32 + t.day;
    let keys = this.dayKeys.get(day);
    if (!keys) this.dayKeys.set(day, (keys = [periodKey.week(t), periodKey.month(t), periodKey.quarter(t)]));
    return keys;
  }

  figures(): Figures {
    const g = this.groups;
    return {
      range: this.range,
      timeZone: this.opts.timeZone,
      overall: group('all', this.overall),
      byWeek: sortedGroups(g.byWeek),
      byMonth: sortedGroups(g.byMonth),
      byQuarter: sortedGroups(g.byQuarter),
      bySeverity: sortedGroups(g.bySeverity),
      byService: sortedGroups(g.byService),
      bySource: sortedGroups(g.bySource),
      pagesByPerson: [...this.persons.values()].sort((a, b) => b.pages - a.pages || a.person.localeCompare(b.person)),
      pagesByHour: [...this.byHour],
    };
  }
}

/** Every figure for the incidents that started in `range` (filtered by severity and service when asked). */
export function computeFigures(source: InsightsSource, range: TimeRange, opts: FigureOptions): Figures {
  const builder = new FiguresBuilder(range, opts);
  const filter = { severities: opts.severities, services: opts.services };
  for (const h of source.incidents(range, filter)) builder.add(h);
  return builder.figures();
}
