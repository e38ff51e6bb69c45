import autocannon from 'autocannon';
import type { Figure } from './stats.ts';

export interface LoadResult {
  requests: number;
  errors: number;
  non2xx: number;
  rps: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Fixed-rate (or, without `rate`, all-out) HTTP load with autocannon: the same request again and
 * again, latency percentiles in ms. Only ever pointed at 127.0.0.1.
 */
export async function load(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  rate?: number;
  seconds: number;
  connections?: number;
}): Promise<LoadResult> {
  if (!opts.url.startsWith('http://127.0.0.1:')) throw new Error('benchmarks only send traffic to 127.0.0.1');
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.body,
    duration: opts.seconds,
    connections: opts.connections ?? (opts.rate ? Math.max(10, Math.ceil(opts.rate / 50)) : 50),
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rps: result.requests.average,
    min: result.latency.min,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

/** A load result as a table figure (latency in ms), with its floor when measured the same way. */
export function loadFigure(
  suite: string,
  measure: string,
  r: LoadResult,
  target: string,
  floor?: { name: string; r: LoadResult },
): Figure {
  return {
    suite,
    measure: `${measure} (${Math.round(r.rps)} req/s, ${r.errors + r.non2xx} errors)`,
    unit: 'ms',
    n: r.requests,
    min: r.min,
    median: r.p50,
    p99: r.p99,
    max: r.max,
    target,
    ...(floor
      ? { floor: { name: `${floor.name} (${Math.round(floor.r.rps)} req/s)`, median: floor.r.p50, p99: floor.r.p99 } }
      : {}),
  };
}
