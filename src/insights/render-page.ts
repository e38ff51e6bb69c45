import { createHash } from 'node:crypto';
import { formatDuration } from '../text/durations.ts';
import { xmlSafe } from '../text/xml-safe.ts';
import type { Figures, Group } from './figures.ts';
import type { Comparison, InsightsFigures } from './service.ts';

/** Escapes text for HTML and SVG (both element text and quoted attributes). */
export function escapeMarkup(text: string): string {
  return xmlSafe(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const e = escapeMarkup;

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse}
td,th{padding:.25rem .75rem;text-align:right;border-bottom:1px solid #ddd}th:first-child,td:first-child{text-align:left}
svg{max-width:100%;height:auto}.muted{color:#666}`;
/** The page allows only its own inline style (by hash): no script, nothing loaded from anywhere. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const dur = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));

interface Bar {
  label: string;
  value: number;
  /** What is written beside the bar (the value, formatted). */
  text: string;
}

/** Horizontal bars, drawn on the server: one row per item, scaled to the largest value. */
export function barChart(title: string, bars: Bar[]): string {
  const row = 22;
  const labelWidth = 160;
  const width = 640;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * row + 8;
  const rows = bars.map((b, i) => {
    const y = i * row + 4;
    const w = Math.round(((width - labelWidth - 90) * b.value) / max);
    return (
      `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" font-size="13">${e(b.label.slice(0, 40))}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 8}" fill="#3b6ea8"/>` +
      `<text x="${labelWidth + w + 6}" y="${y + 15}" font-size="13">${e(b.text)}</text>`
    );
  });
  const empty = bars.length ? '' : `<text x="4" y="16" font-size="13" fill="#666">No data in this period.</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${e(title)}"><title>${e(title)}</title>${rows.join('')}${empty}</svg>`
  );
}

/** Pages by hour of day: 24 columns. */
export function hourChart(title: string, byHour: number[]): string {
  const col = 24;
  const height = 140;
  const max = Math.max(1, ...byHour);
  const cols = byHour.map((n, h) => {
    const bar = Math.round(((height - 30) * n) / max);
    const x = h * col + 2;
    return (
      `<rect x="${x}" y="${height - 20 - bar}" width="${col - 4}" height="${bar}" fill="#a8543b"><title>${h}:00 — ${n} pages</title></rect>` +
      `<text x="${x + (col - 4) / 2}" y="${height - 6}" text-anchor="middle" font-size="10">${h}</text>` +
      (n
        ? `<text x="${x + (col - 4) / 2}" y="${height - 24 - bar}" text-anchor="middle" font-size="10">${n}</text>`
        : '')
    );
  });
  const width = 24 * col;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${e(title)}"><title>${e(title)}</title>${cols.join('')}</svg>`
  );
}

/**
 * The follow-up burn-down: open follow-ups at the end of each day, one column per day, with the first,
 * middle and last dates under the axis and the highest count beside it.
 */
export function burndownChart(title: string, points: { day: string; open: number }[]): string {
  const width = 640;
  const height = 160;
  const left = 36;
  const base = height - 22;
  const max = Math.max(1, ...points.map((p) => p.open));
  const step = (width - left) / Math.max(1, points.length);
  const cols = points.map((p, i) => {
    const bar = Math.round(((base - 12) * p.open) / max);
    const x = left + i * step;
    return `<rect x="${x.toFixed(1)}" y="${base - bar}" width="${Math.max(1, step - 1).toFixed(1)}" height="${bar}" fill="#5a8f3b"><title>${e(p.day)} — ${p.open} open</title></rect>`;
  });
  const marks = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].filter((i) => i >= 0);
  const dates = marks.map((i) => {
    const x = left + i * step + step / 2;
    const anchor = i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
    return `<text x="${x.toFixed(1)}" y="${height - 6}" text-anchor="${anchor}" font-size="11">${e(points[i]!.day)}</text>`;
  });
  const axis =
    `<line x1="${left}" y1="${base}" x2="${width}" y2="${base}" stroke="#999"/>` +
    `<text x="${left - 4}" y="16" text-anchor="end" font-size="11">${max}</text>` +
    `<text x="${left - 4}" y="${base}" text-anchor="end" font-size="11">0</text>`;
  const empty = points.length
    ? ''
    : `<text x="${left}" y="16" font-size="13" fill="#666">No follow-ups in this period.</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${e(title)}"><title>${e(title)}</title>${axis}${cols.join('')}${dates.join('')}${empty}</svg>`
  );
}

const durationBars = (groups: Group[], pick: (g: Group) => number | null): Bar[] =>
  groups.map((g) => ({ label: g.key, value: pick(g) ?? 0, text: dur(pick(g)) }));
const countBars = (groups: Group[]): Bar[] =>
  groups.map((g) => ({ label: g.key, value: g.incidents, text: String(g.incidents) }));

function headline(c: Comparison): string {
  const rows: [string, (g: Group) => string][] = [
    ['Incidents', (g) => `${g.incidents} (${g.resolved} resolved)`],
    ['Time to acknowledge, median · p90', (g) => `${dur(g.acknowledge.median)} · ${dur(g.acknowledge.p90)}`],
    ['Time to mitigate, median · p90', (g) => `${dur(g.mitigate.median)} · ${dur(g.mitigate.p90)}`],
    ['Time to resolve, median · p90', (g) => `${dur(g.resolve.median)} · ${dur(g.resolve.p90)}`],
    ['Duration, median · p90', (g) => `${dur(g.duration.median)} · ${dur(g.duration.p90)}`],
    ['Pages (out of hours)', (g) => `${g.pages} (${g.pagesOutOfHours})`],
  ];
  const fu = (f: InsightsFigures) =>
    `${f.followups.opened} opened · ${f.followups.closed} closed · ${f.followups.openAtEnd} open at the end`;
  const body = rows
    .map(
      ([label, f]) =>
        `<tr><td>${e(label)}</td><td>${e(f(c.current.overall))}</td><td>${e(f(c.previous.overall))}</td></tr>`,
    )
    .join('');
  const followups = `<tr><td>Follow-ups</td><td>${e(fu(c.current))}</td><td>${e(fu(c.previous))}</td></tr>`;
  return `<table><tr><th></th><th>This period</th><th>The period before</th></tr>${body}${followups}</table>`;
}

/** Follow-ups opened and closed per month, as one bar each ("opened 3 · closed 1"). */
function followupBars(f: InsightsFigures): Bar[] {
  return f.followups.byMonth.flatMap((m) => [
    { label: `${m.key} opened`, value: m.opened, text: String(m.opened) },
    { label: `${m.key} closed`, value: m.closed, text: String(m.closed) },
  ]);
}

function people(f: Figures): Bar[] {
  return f.pagesByPerson.map((p) => ({
    label: p.person,
    value: p.pages,
    text: `${p.pages} (${p.outOfHours} out of hours)`,
  }));
}

/** The insights page: headline table and server-drawn charts; `exports` are the JSON and CSV links for the same query. */
export function renderInsightsPage(c: Comparison, filters: string[], exports: { json: string; csv: string }): string {
  const f = c.current;
  const title = `Incident insights — ${c.ranges.label}`;
  const sections = [
    [
      'Median time to acknowledge per month',
      barChart(
        'Median time to acknowledge per month',
        durationBars(f.byMonth, (g) => g.acknowledge.median),
      ),
    ],
    [
      'Median time to resolve per month',
      barChart(
        'Median time to resolve per month',
        durationBars(f.byMonth, (g) => g.resolve.median),
      ),
    ],
    ['Incidents per severity', barChart('Incidents per severity', countBars(f.bySeverity))],
    ['Incidents per service', barChart('Incidents per service', countBars(f.byService))],
    ['Incidents per source', barChart('Incidents per source', countBars(f.bySource))],
    ['Pages per person paged', barChart('Pages per person paged', people(f))],
    [`Pages by hour of day (${f.timeZone})`, hourChart('Pages by hour of day', f.pagesByHour)],
    ['Follow-up burn-down (open at the end of each day)', burndownChart('Follow-up burn-down', f.followups.burndown)],
    ['Follow-ups opened and closed per month', barChart('Follow-ups opened and closed per month', followupBars(f))],
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${e(title)}</title><style>${STYLE}</style></head><body>
<h1>${e(title)}</h1>
<p class="muted">${filters.length ? `Only ${e(filters.join(', '))}. ` : ''}Times in ${e(f.timeZone)}; medians and nearest-rank 90th percentiles; out of hours is outside Monday–Friday 09:00–18:00.</p>
${headline(c)}
${sections.map(([h, svg]) => `<h2>${e(h!)}</h2>${svg!}`).join('\n')}
<p><a href="${e(exports.json)}">JSON</a> · <a href="${e(exports.csv)}">CSV</a></p>
</body></html>`;
}
