import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.ts';
import { traceExemplar } from '../lib/telemetry.ts';

export interface Route {
  method: 'GET' | 'POST' | 'OPTIONS';
  /** Exact path, or segments with `:name` placeholders. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void | Promise<void>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  // A known length, so that headers and body leave in one write instead of chunked framing's four.
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A route's pattern split once; exact patterns are found by a map lookup, not by trying each. */
function compile(routes: Route[]) {
  const exact = new Map<string, Route[]>();
  const patterned: { r: Route; want: string[] }[] = [];
  for (const r of routes) {
    if (r.path.includes('/:')) patterned.push({ r, want: r.path.split('/') });
    else exact.set(r.path, [...(exact.get(r.path) ?? []), r]);
  }
  return (path: string): { r: Route; params: Record<string, string> }[] => {
    const hits = (exact.get(path) ?? []).map((r) => ({ r, params: {} as Record<string, string> }));
    if (hits.length > 0) return hits;
    const got = path.split('/');
    for (const { r, want } of patterned) {
      const params = match(want, got);
      if (params) hits.push({ r, params });
    }
    return hits;
  };
}

function match(want: string[], got: string[]): Record<string, string> | undefined {
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return undefined;
      }
    } else if (w !== got[i]) return undefined;
  }
  return params;
}

/** One HTTP server for every endpoint; a data table of routes, no framework. */
export function createHttpServer(
  routes: Route[],
  log: Logger,
  onRequest?: (
    route: string,
    method: string,
    status: number,
    seconds: number,
    exemplar?: Record<string, string>,
  ) => void,
): Server {
  const find = compile(routes);
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const candidates = find(path);
    if (onRequest) {
      const started = performance.now();
      // The request's span is current now, not when the response has finished.
      const exemplar = traceExemplar();
      // The route's pattern, never the raw path: ids in paths must not become metric series.
      const route = candidates[0]?.r.path ?? '(unmatched)';
      res.once('finish', () =>
        onRequest(route, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000, exemplar),
      );
    }
    if (candidates.length === 0) return sendJson(res, 404, { error: 'not_found' });
    const hit = candidates.find((c) => c.r.method === req.method || (req.method === 'HEAD' && c.r.method === 'GET'));
    if (!hit) {
      return sendJson(
        res,
        405,
        { error: 'method_not_allowed' },
        { allow: candidates.map((c) => c.r.method).join(', ') },
      );
    }
    Promise.resolve(hit.r.handle(req, res, hit.params!)).catch((error: unknown) => {
      log.error({ event: 'http.handler_failed', err: error, path, method: req.method }, 'request handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
}
