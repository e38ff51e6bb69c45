import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../http/server.ts';
import { SEVERITIES, type Severity } from '../incidents/types.ts';
import { insightsCsv, insightsJson } from './export.ts';
import { isPeriod } from './periods.ts';
import { PAGE_CSP, renderInsightsPage } from './render-page.ts';
import { InsightsService, type InsightsQuery } from './service.ts';
import { checkLink, type LinkCheck } from './signed-link.ts';

export interface InsightsRouteDeps {
  insights: InsightsService;
  linkKey: Buffer;
  /** INSIGHTS_TOKEN: opens the page and its exports without a signed link (for tools). */
  token?: string;
  now: () => number;
}

/** Internal figures: never cached by anyone, never sent on as a referrer (the link carries its signature). */
const HEADERS = {
  'cache-control': 'no-store, private',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};
const SERVICE = /^[A-Za-z0-9][\w.:/-]{0,63}$/;
const MAX_QUERY = 2048;

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, ...HEADERS, ...extra });
  res.end(body);
}

const REFUSED: Record<Exclude<LinkCheck, 'ok'>, string> = {
  missing: 'This page needs the link /incident stats hands out, or an Authorization: Bearer token.',
  expired: 'This link has expired (links last 24 hours): run /incident stats again for a new one.',
  bad_signature: 'This link is not valid: run /incident stats for a new one.',
};

/** Reads the query the link names; undefined when a parameter is not one the page accepts. */
export function parseQuery(params: Record<string, string>): InsightsQuery | undefined {
  const period = params.period ?? '30d';
  if (!isPeriod(period)) return undefined;
  const list = (v: string | undefined) => (v ? v.split(',').slice(0, 12) : []);
  const severities = list(params.sev);
  const services = list(params.service);
  if (!severities.every((s) => (SEVERITIES as readonly string[]).includes(s))) return undefined;
  if (!services.every((s) => SERVICE.test(s))) return undefined;
  return { period, severities: severities as Severity[], services };
}

function bearerOk(req: IncomingMessage, token: string | undefined): boolean {
  const header = req.headers.authorization;
  if (!token || !header?.startsWith('Bearer ')) return false;
  // Hashed first so the compare is constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}

export function insightsRoutes(deps: InsightsRouteDeps): Route[] {
  const serve =
    (kind: 'html' | 'json' | 'csv'): Route['handle'] =>
    (req, res) => {
      const raw = req.url ?? '';
      if (raw.length > MAX_QUERY) return send(res, 414, 'text/plain; charset=utf-8', 'Request-URI too long.\n');
      const url = new URL(raw, 'http://insights.invalid');
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      const now = deps.now();
      if (!bearerOk(req, deps.token)) {
        const check = checkLink(deps.linkKey, params, now);
        if (check !== 'ok') {
          const status = check === 'expired' ? 403 : 401;
          return send(res, status, 'text/plain; charset=utf-8', `${REFUSED[check]}\n`);
        }
      }
      const q = parseQuery(params);
      if (!q) return send(res, 400, 'text/plain; charset=utf-8', 'Unknown period, severity or service in the link.\n');
      const c = deps.insights.compare(q, now);
      if (kind === 'json') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(insightsJson(c)));
      if (kind === 'csv') {
        return send(res, 200, 'text/csv; charset=utf-8', insightsCsv(c), {
          'content-disposition': `attachment; filename="insights-${q.period}.csv"`,
        });
      }
      // The exports carry the same query and signature (relative links: no host to get wrong).
      const search = url.search;
      const html = renderInsightsPage(c, [...q.severities.map((s) => s.toUpperCase()), ...q.services], {
        json: `insights.json${search}`,
        csv: `insights.csv${search}`,
      });
      return send(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': PAGE_CSP });
    };
  return [
    { method: 'GET', path: '/insights', handle: serve('html') },
    { method: 'GET', path: '/insights.json', handle: serve('json') },
    { method: 'GET', path: '/insights.csv', handle: serve('csv') },
  ];
}
