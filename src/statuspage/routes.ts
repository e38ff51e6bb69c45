import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../http/server.ts';
import type { StatusContext } from './model.ts';
import type { createStatusRenderer } from './render.ts';
import { v2 } from './v2-api.ts';

/** Pages render everything server-side; nothing runs in the browser and nothing loads from elsewhere. */
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PAGE_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'public, max-age=30',
};
/** Public GET data: readable from any origin (status widgets), cacheable briefly. */
const API_HEADERS = {
  'access-control-allow-origin': '*',
  'cache-control': 'public, max-age=30',
  'x-content-type-options': 'nosniff',
};

/** Request headers a cross-origin reader may send; a preflight names which it wants, capitalised here. */
const SAFE_REQUEST_HEADERS = [
  'Accept',
  'Accept-Language',
  'Cache-Control',
  'Content-Type',
  'If-None-Match',
  'X-Requested-With',
];
const CORS_PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-max-age': '86400',
};

/**
 * A widget on another origin that sets a header (XHR libraries add `X-Requested-With`) first asks
 * with OPTIONS. Only reading is allowed; the headers granted are those asked for from a fixed list.
 */
function preflight(req: IncomingMessage, res: ServerResponse) {
  const asked = String(req.headers['access-control-request-headers'] ?? '')
    .slice(0, 1000)
    .split(',')
    .map((h) => h.trim().toLowerCase());
  const allowed = SAFE_REQUEST_HEADERS.filter((h) => asked.includes(h.toLowerCase()));
  res.writeHead(204, {
    ...CORS_PREFLIGHT,
    ...(allowed.length > 0 ? { 'access-control-allow-headers': allowed.join(', ') } : {}),
    vary: 'Access-Control-Request-Headers',
  });
  res.end();
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string>,
) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * Public pages are read far more often than they change: each rendering is kept, encoded, until
 * something public changes (see public-version.ts) or the minute turns (the 90-day window moves).
 */
function memo(ctx: StatusContext) {
  const cache = new Map<string, { version: string; value: Buffer }>();
  return (key: string, render: () => string): Buffer => {
    const version = `${ctx.version.current()}:${Math.floor(ctx.now() / 60_000)}`;
    const hit = cache.get(key);
    if (hit?.version === version) return hit.value;
    const value = Buffer.from(render());
    if (cache.size > 1000) cache.clear();
    cache.set(key, { version, value });
    return value;
  };
}

export function statusPageRoutes(ctx: StatusContext, renderer: ReturnType<typeof createStatusRenderer>): Route[] {
  const routes = pageRoutes(ctx, renderer);
  const readable = routes.filter((r) => r.path.startsWith('/api/') || r.path.endsWith('.atom'));
  return [...routes, ...readable.map((r): Route => ({ method: 'OPTIONS', path: r.path, handle: preflight }))];
}

function pageRoutes(ctx: StatusContext, renderer: ReturnType<typeof createStatusRenderer>): Route[] {
  const cached = memo(ctx);
  const html = (res: ServerResponse, status: number, body: string | Buffer) =>
    send(res, status, 'text/html; charset=utf-8', body, PAGE_HEADERS);
  const api =
    (name: string, pick: (api: ReturnType<typeof v2>) => unknown): Route['handle'] =>
    (_req, res) =>
      send(
        res,
        200,
        'application/json; charset=utf-8',
        cached(name, () => JSON.stringify(pick(v2(ctx)))),
        API_HEADERS,
      );
  return [
    {
      method: 'GET',
      path: '/status',
      handle: (req, res) => {
        // Most readers ask for the first page: no URL to parse then.
        const url = req.url ?? '/';
        const n = url.includes('?') ? Number(new URL(url, 'http://x').searchParams.get('page') ?? '1') : 1;
        const pageNumber = Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
        html(
          res,
          200,
          cached(`index:${pageNumber}`, () => renderer.index(pageNumber)),
        );
      },
    },
    {
      method: 'GET',
      path: '/status/incidents/:id',
      handle: (_req, res, params) => {
        const id = /^\d{1,12}$/.test(params.id ?? '') ? Number(params.id) : NaN;
        const page = Number.isNaN(id) ? null : renderer.incident(id);
        if (!page) return send(res, 404, 'text/plain; charset=utf-8', 'No such incident.\n', PAGE_HEADERS);
        html(res, 200, page);
      },
    },
    {
      method: 'GET',
      path: '/status/maintenances/:id',
      handle: (_req, res, params) => {
        const id = /^\d{1,12}$/.test(params.id ?? '') ? Number(params.id) : NaN;
        const page = Number.isNaN(id) ? null : cached(`maintenance:${id}`, () => renderer.maintenance(id) ?? '');
        if (!page?.length) return send(res, 404, 'text/plain; charset=utf-8', 'No such maintenance.\n', PAGE_HEADERS);
        html(res, 200, page);
      },
    },
    {
      method: 'GET',
      path: '/status/style.css',
      handle: (_req, res) =>
        send(res, 200, 'text/css; charset=utf-8', renderer.css, { 'cache-control': 'public, max-age=3600' }),
    },
    {
      method: 'GET',
      path: '/status/favicon.svg',
      handle: (_req, res) =>
        send(res, 200, 'image/svg+xml', renderer.favicon, { 'cache-control': 'public, max-age=86400' }),
    },
    {
      method: 'GET',
      path: '/status/history.atom',
      handle: (_req, res) =>
        send(
          res,
          200,
          'application/atom+xml; charset=utf-8',
          cached('atom', () => renderer.atom() ?? ''),
          API_HEADERS,
        ),
    },
    {
      method: 'GET',
      path: '/status/components/:id/history.atom',
      handle: (_req, res, params) => {
        const id = params.id ?? '';
        const feed = /^[a-z0-9][a-z0-9_-]{0,39}$/.test(id) ? cached(`atom:${id}`, () => renderer.atom(id) ?? '') : null;
        if (!feed?.length) return send(res, 404, 'text/plain; charset=utf-8', 'No such component.\n', API_HEADERS);
        send(res, 200, 'application/atom+xml; charset=utf-8', feed, API_HEADERS);
      },
    },
    { method: 'GET', path: '/api/v2/summary.json', handle: api('summary', (a) => a.summary()) },
    { method: 'GET', path: '/api/v2/status.json', handle: api('status', (a) => a.status()) },
    { method: 'GET', path: '/api/v2/components.json', handle: api('components', (a) => a.components()) },
    { method: 'GET', path: '/api/v2/incidents.json', handle: api('incidents', (a) => a.incidents()) },
    { method: 'GET', path: '/api/v2/incidents/unresolved.json', handle: api('unresolved', (a) => a.unresolved()) },
    {
      method: 'GET',
      path: '/api/v2/scheduled-maintenances.json',
      handle: api('maintenances', (a) => a.maintenances()),
    },
    {
      method: 'GET',
      path: '/api/v2/scheduled-maintenances/upcoming.json',
      handle: api('upcoming', (a) => a.upcoming()),
    },
    { method: 'GET', path: '/api/v2/scheduled-maintenances/active.json', handle: api('active', (a) => a.active()) },
  ];
}
