import type { Figures, Group, Stat } from './figures.ts';
import type { Comparison, InsightsFigures } from './service.ts';

/** The figures as JSON for people's own tools: durations in milliseconds, as computed. */
export function insightsJson(c: Comparison) {
  return { period: c.ranges.label, current: c.current, previous: c.previous };
}

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (starting with = + - @, tab or carriage
 * return) is prefixed with an apostrophe, so a service name cannot run anything; cells with a comma,
 * quote or line break are quoted.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const STATS = ['acknowledge', 'mitigate', 'resolve', 'duration'] as const;
const statCells = (s: Stat) => [s.n, s.median, s.p90, s.mean];

export const CSV_HEADER = [
  'period',
  'grouping',
  'key',
  'incidents',
  'resolved',
  ...STATS.flatMap((k) => [`${k}_n`, `${k}_median_ms`, `${k}_p90_ms`, `${k}_mean_ms`]),
  'pages',
  'pages_out_of_hours',
  'followups_opened',
  'followups_closed',
  'followups_open',
];

type Row = (string | number | null)[];

/**
 * Follow-ups in the last three columns: `followups` / `all` (opened, closed, open at the end), per
 * week, month and quarter (opened, closed), and `followups_day` (open at the end of that day).
 */
function followupRows(period: string, f: InsightsFigures): Row[] {
  const blank = Array.from({ length: CSV_HEADER.length - 6 }, () => null);
  const row = (grouping: string, key: string, opened: number | null, closed: number | null, open: number | null) => [
    period,
    grouping,
    key,
    ...blank,
    opened,
    closed,
    open,
  ];
  const fu = f.followups;
  return [
    row('followups', 'all', fu.opened, fu.closed, fu.openAtEnd),
    ...fu.byWeek.map((p) => row('followups_week', p.key, p.opened, p.closed, null)),
    ...fu.byMonth.map((p) => row('followups_month', p.key, p.opened, p.closed, null)),
    ...fu.byQuarter.map((p) => row('followups_quarter', p.key, p.opened, p.closed, null)),
    ...fu.burndown.map((d) => row('followups_day', d.day, null, null, d.open)),
  ];
}

function groupRows(period: string, f: Figures): Row[] {
  const row = (grouping: string, g: Group) => [
    period,
    grouping,
    g.key,
    g.incidents,
    g.resolved,
    ...STATS.flatMap((k) => statCells(g[k])),
    g.pages,
    g.pagesOutOfHours,
    null,
    null,
    null,
  ];
  const groupings: [string, Group[]][] = [
    ['overall', [f.overall]],
    ['week', f.byWeek],
    ['month', f.byMonth],
    ['quarter', f.byQuarter],
    ['severity', f.bySeverity],
    ['service', f.byService],
    ['source', f.bySource],
  ];
  // Every column between `resolved` and `pages`, empty.
  const pad = Array.from({ length: STATS.length * 4 }, () => null);
  const tail = [null, null, null];
  return [
    ...groupings.flatMap(([name, groups]) => groups.map((g) => row(name, g))),
    // Paging load per person and per hour: pages in the `pages` and `pages_out_of_hours` columns.
    ...f.pagesByPerson.map((p) => [period, 'person', p.person, null, null, ...pad, p.pages, p.outOfHours, ...tail]),
    ...f.pagesByHour.map((n, h) => [period, 'hour', String(h), null, null, ...pad, n, null, ...tail]),
  ];
}

/** Every figure of both periods, one row per group. */
export function insightsCsv(c: Comparison): string {
  const rows = [
    CSV_HEADER,
    ...groupRows('current', c.current),
    ...followupRows('current', c.current),
    ...groupRows('previous', c.previous),
    ...followupRows('previous', c.previous),
  ];
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
