import { Agent, request } from 'node:http';
import type { LoadResult } from './load.ts';
import { percentile } from './stats.ts';

/**
 * Open-loop load at an even pace: request i is due at start + i/rate, and its latency is counted
 * from when it was due, so a client that falls behind is charged to the server (no coordinated
 * omission). autocannon's rate limit instead sends each connection's whole second of requests
 * back to back at the top of the second, which measures queueing in a burst, not latency at a rate.
 */
export async function pacedLoad(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
}): Promise<LoadResult> {
  const target = new URL(opts.url);
  if (target.hostname !== '127.0.0.1') throw new Error('benchmarks only send traffic to 127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const headers = { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) };
  const total = Math.round(opts.rate * opts.seconds);
  const interval = 1000 / opts.rate;
  const times: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers },
        (res) => {
          if (res.statusCode! >= 300) non2xx++;
          res.resume();
          res.on('end', () => {
            times.push(performance.now() - due);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(opts.body);
    });
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 5;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    inFlight.push(send(due));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    requests: times.length,
    errors,
    non2xx,
    rps: times.length / elapsed,
    min: Math.min(...times),
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: Math.max(...times),
  };
}
