import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { componentStatusWord, statusWord } from '../incidents/labels.ts';
import type { ComponentStatus, Status } from '../incidents/types.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { xmlSafe } from '../text/xml-safe.ts';
import { uptimeHistory } from './history.ts';
import type { PublicReport } from '../incidents/public-report.ts';
import {
  HISTORY_DAYS,
  openMaintenances,
  overallStatus,
  publicMaintenance,
  publicComponents,
  publicGroups,
  publicIncident,
  publicIncidentCount,
  publicIncidents,
  type PublicIncident,
  type StatusContext,
} from './model.ts';

const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/statuspage/', import.meta.url));
const PER_PAGE = 20;

/**
 * Renders the public pages. Its own Handlebars instance, templates compiled once. Every value is
 * inserted with `{{…}}` (escaped); the only triple-stash is the layout's body, which is our output.
 */
export function createStatusRenderer(ctx: StatusContext) {
  const hbs = Handlebars.create();
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: ctx.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat('en-GB', { timeZone: ctx.timeZone, dateStyle: 'medium' });
  hbs.registerHelper('statusLabel', (s: Status) => statusWord(s));
  hbs.registerHelper('componentLabel', (s: ComponentStatus) => componentStatusWord(s));
  hbs.registerHelper('formatTime', (ms: number) => time.format(new Date(ms)));
  hbs.registerHelper('isoTime', (ms: number) => new Date(ms).toISOString());
  hbs.registerHelper('maintenanceLabel', (s: string) => MAINTENANCE_WORD[s] ?? s);
  const compile = (name: string) => hbs.compile(readFileSync(`${TEMPLATES_DIR}${name}`, 'utf8'), { strict: false });
  const layout = compile('layout.hbs');
  const index = compile('index.hbs');
  const incidentPage = compile('incident.hbs');
  const maintenancePage = compile('maintenance.hbs');
  const atom = compile('history.atom.hbs');
  // Pages link root-relative (right behind any proxy); the feed needs absolute URLs (PUBLIC_URL).
  const common = { base: '', pageName: ctx.pageName, timeZone: ctx.timeZone, historyDays: HISTORY_DAYS };
  // Open Graph tags let a link pasted into chat show the page's state; the URL must be absolute.
  const page = (title: string, body: string, og: { type: 'website' | 'article'; path: string; description: string }) =>
    layout({ ...common, title, body, og: { ...og, url: `${ctx.publicUrl}${og.path}` } });

  return {
    css: readFileSync(`${TEMPLATES_DIR}style.css`, 'utf8'),
    favicon: readFileSync(`${TEMPLATES_DIR}favicon.svg`, 'utf8'),

    index(pageNumber: number): string {
      const maintenances = openMaintenances(ctx);
      const components = publicComponents(ctx, maintenances);
      const active = publicIncidents(ctx, { limit: 1000, unresolvedOnly: true });
      const pastAll = publicIncidentCount(ctx);
      const offset = (pageNumber - 1) * PER_PAGE;
      const past = publicIncidents(ctx, { limit: PER_PAGE, offset }).filter((i) => i.status === 'resolved');
      const groups = new Map<string, typeof components>();
      for (const c of components) groups.set(c.group ?? '', [...(groups.get(c.group ?? '') ?? []), c]);
      const groupStatus = new Map(publicGroups(components).map((g) => [g.name, g.status]));
      const history = uptimeHistory(ctx, ctx.history, publicIncidents(ctx, { limit: 1000 }));
      // Each day's bar says in words what its colour says: read out, and shown on hover or focus.
      const withHistory = (c: (typeof components)[number]) => {
        const h = history.get(c.id);
        return {
          ...c,
          uptime: h?.uptime === null || h?.uptime === undefined ? null : `${formatPercent(h.uptime)} uptime`,
          days: (h?.days ?? []).map((d) => ({
            status: d.status ?? 'none',
            text: `${date.format(d.day)}: ${d.status ? componentStatusWord(d.status) : 'No data'}${
              d.incidents.length ? `. Incidents: ${d.incidents.join('; ')}` : ''
            }`,
          })),
        };
      };
      const status = overallStatus(components, active, maintenances);
      const names = new Map(ctx.components.map((c) => [c.id, c.name]));
      return page(
        'Current status',
        index({
          ...common,
          status,
          active,
          maintenances: maintenances.map((m) => ({ ...m, componentNames: m.components.map((c) => names.get(c)) })),
          groups: [...groups].map(([name, list]) => ({
            name,
            status: groupStatus.get(name),
            components: list.map(withHistory),
          })),
          past,
          prevPage: pageNumber > 1 ? pageNumber - 1 : null,
          nextPage: offset + PER_PAGE < pastAll ? pageNumber + 1 : null,
        }),
        { type: 'website', path: '/status', description: status.description },
      );
    },

    /** The incident's page, or null when there is no such published incident. */
    incident(id: number): string | null {
      const row = findPublic(ctx, id);
      if (!row) return null;
      const names = new Map(ctx.components.map((c) => [c.id, c.name]));
      return page(
        row.name,
        incidentPage({
          ...common,
          incident: row,
          components: row.components.map((c) => names.get(c)),
          report: publicReportView(ctx.reports.get(id)?.report),
        }),
        { type: 'article', path: `/status/incidents/${row.id}`, description: summaryLine(row) },
      );
    },

    /** A maintenance window's page, or null when there is no such window. */
    maintenance(id: number): string | null {
      const m = ctx.maintenances.get(id);
      if (!m) return null;
      const row = publicMaintenance(ctx, m);
      const names = new Map(ctx.components.map((c) => [c.id, c.name]));
      const latest = row.updates[0];
      return page(
        row.name,
        maintenancePage({ ...common, maintenance: row, components: row.components.map((c) => names.get(c)) }),
        {
          type: 'article',
          path: `/status/maintenances/${id}`,
          description: latest ? `${MAINTENANCE_WORD[latest.status]} — ${latest.body}`.slice(0, 200) : row.name,
        },
      );
    },

    /** The whole page's feed, or one component's: the incidents and maintenances that touch it. */
    atom(componentId?: string): string | null {
      const component = componentId === undefined ? undefined : ctx.components.find((c) => c.id === componentId);
      if (componentId !== undefined && !component) return null;
      // One component's feed looks further back, so that it too holds up to 50 entries.
      const scan = component ? 500 : 50;
      const incidents = new Map<number, PublicIncident | null>();
      const incidentOf = (id: number) => {
        if (!incidents.has(id)) incidents.set(id, findPublic(ctx, id));
        return incidents.get(id)!;
      };
      const incidentEntries = ctx.updates.recentPublicUpdates(scan).flatMap((u) => {
        const incident = incidentOf(u.incidentId);
        if (component && !incident?.components.includes(component.id)) return [];
        return [
          {
            id: `${u.id}`,
            path: `/status/incidents/${u.incidentId}`,
            anchor: `update-${u.id}`,
            name: incident?.name ?? '',
            statusWord: statusWord(u.status),
            body: withoutSlackMentions(u.body),
            at: u.at,
          },
        ];
      });
      const maintenanceEntries = ctx.maintenances.recentUpdates(scan).flatMap((u) => {
        const m = ctx.maintenances.get(u.maintenanceId);
        if (!m || (component && !m.components.includes(component.id))) return [];
        return [
          {
            id: `m${u.id}`,
            path: `/status/maintenances/${u.maintenanceId}`,
            anchor: `mu${u.id}`,
            name: withoutSlackMentions(m.name),
            statusWord: `${MAINTENANCE_WORD[u.status]} maintenance`,
            body: withoutSlackMentions(u.body),
            at: u.at,
          },
        ];
      });
      const reportEntries = ctx.reports.recent(component ? 200 : 50).flatMap((r) => {
        const incident = incidentOf(r.incidentId);
        if (!incident || (component && !incident.components.includes(component.id))) return [];
        return [
          {
            id: `r${r.incidentId}`,
            path: `/status/incidents/${r.incidentId}`,
            anchor: 'report',
            name: incident.name,
            statusWord: 'Post-incident report',
            body: [
              r.report.summary,
              r.report.affected.impact ?? '',
              ...r.report.happened.map((h) => `${new Date(h.at).toISOString()} ${h.status}: ${h.text}`),
              ...r.report.doing.map((d) => `- ${d}`),
            ]
              .filter(Boolean)
              .join('\n'),
            at: r.publishedAt,
          },
        ];
      });
      const entries = [...incidentEntries, ...maintenanceEntries, ...reportEntries]
        .sort((a, b) => b.at - a.at)
        .slice(0, 50);
      // What was stored before input was cleaned at the edges must not make the whole feed unreadable.
      const feed = component
        ? {
            feedPath: `/status/components/${component.id}/history.atom`,
            feedTitle: `${ctx.pageName} — ${component.name} status history`,
          }
        : { feedPath: '/status/history.atom', feedTitle: `${ctx.pageName} — status history` };
      return xmlSafe(
        atom({ ...common, ...feed, base: ctx.publicUrl, updated: entries[0]?.at ?? ctx.startedAt, entries }),
      );
    },
  };
}

/** The public report as the incident page shows it (components' statuses in words). */
function publicReportView(report: PublicReport | undefined) {
  if (!report) return null;
  return {
    ...report,
    affected: {
      impact: report.affected.impact,
      components: report.affected.components.map((c) => ({ ...c, worst: componentStatusWord(c.worst).toLowerCase() })),
    },
  };
}

/** The latest public word on an incident, short enough for a link preview. */
function summaryLine(incident: PublicIncident): string {
  const latest = incident.updates[0];
  if (!latest) return statusWord(incident.status);
  const line = `${statusWord(latest.status)} — ${latest.body.replace(/\s+/g, ' ')}`;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** 99.95 %, 100 %: two decimals, never rounded up to 100 while anything was down. */
function formatPercent(value: number): string {
  const floored = Math.floor(value * 100) / 100;
  return `${floored.toFixed(floored === 100 ? 0 : 2)} %`;
}

/** How the page words a maintenance window's status (Statuspage's). */
const MAINTENANCE_WORD: Record<string, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

function findPublic(ctx: StatusContext, id: number): PublicIncident | null {
  const incident = ctx.updates.publicIncidentById(id);
  return incident ? publicIncident(ctx, incident) : null;
}
