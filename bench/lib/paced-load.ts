import { Agent, request } from 'node:http';
import type { LoadResult } from './load.ts';
import { percentile } from './stats.ts';

/** Request i of a paced load: its body and headers, and which kind it is (results are kept per kind). */
export interface PacedRequest {
  kind: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * Open-loop load at an even pace: request i is due at start + i/rate, and its latency is counted
 * from when it was due, so a client that falls behind is charged to the server (no coordinated
 * omission). autocannon's rate limit instead sends each connection's whole second of requests
 * back to back at the top of the second, which measures queueing in a burst, not latency at a rate.
 *
 * Each request is made by `make(i)` just before it is due (a server that refuses a replayed
 * signature needs a fresh one each time), and latencies are summarised per `kind`. A response
 * that `accept` refuses (e.g. an empty ack where the command's reply was expected) counts as an error.
 */
export async function pacedLoad(opts: PacedLoad): Promise<Record<string, LoadResult>> {
  const { byKind, elapsed } = await pacedSamples(opts);
  return summarised(byKind, elapsed);
}

interface PacedLoad {
  url: string;
  make: (i: number) => PacedRequest;
  rate: number;
  seconds: number;
  accept?: (status: number, body: string) => boolean;
}

type Samples = Map<string, { times: number[]; errors: number; non2xx: number }>;

/** The load itself: every latency, by kind, and the seconds from the first request due to the last answer. */
async function pacedSamples(opts: PacedLoad): Promise<{ byKind: Samples; elapsed: number }> {
  const target = new URL(opts.url);
  if (target.hostname !== '127.0.0.1') throw new Error('benchmarks only send traffic to 127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(opts.rate * opts.seconds);
  const interval = 1000 / opts.rate;
  const byKind = new Map<string, { times: number[]; errors: number; non2xx: number }>();
  const tally = (kind: string) => {
    let t = byKind.get(kind);
    if (!t) byKind.set(kind, (t = { times: [], errors: 0, non2xx: 0 }));
    return t;
  };
  const send = (due: number, r: PacedRequest) =>
    new Promise<void>((resolve) => {
      const t = tally(r.kind);
      const headers = { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            t.times.push(performance.now() - due);
            if (res.statusCode! >= 300) t.non2xx++;
            else if (opts.accept && !opts.accept(res.statusCode!, Buffer.concat(chunks).toString())) t.errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        t.errors++;
        resolve();
      });
      req.end(r.body);
    });
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 5;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const next = opts.make(i);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    inFlight.push(send(due, next));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { byKind, elapsed };
}

function summarised(byKind: Samples, elapsed: number): Record<string, LoadResult> {
  const results: Record<string, LoadResult> = {};
  for (const [kind, { times, errors, non2xx }] of byKind) {
    results[kind] = {
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
  return results;
}

/**
 * The same paced load against several servers, taken in turns of `seconds / slices` (A B A B …)
 * rather than one whole run after the other, so that a shared machine's slow minute falls on all of
 * them alike instead of on whichever ran then; each server's latencies are pooled over its turns.
 * `before` runs ahead of each turn (e.g. waiting for a bot to settle) and `after` once it has ended.
 */
export async function pacedLoadInTurns<T>(opts: {
  targets: T[];
  load: (target: T) => Omit<PacedLoad, 'rate' | 'seconds'>;
  rate: number;
  seconds: number;
  slices: number;
  before?: (target: T) => Promise<void>;
  after?: (target: T) => Promise<void>;
}): Promise<Map<T, Record<string, LoadResult>>> {
  const pooled = new Map(opts.targets.map((t) => [t, { byKind: new Map() as Samples, elapsed: 0 }]));
  const seconds = opts.seconds / opts.slices;
  for (let slice = 0; slice < opts.slices; slice++) {
    for (const target of opts.targets) {
      await opts.before?.(target);
      const turn = await pacedSamples({ ...opts.load(target), rate: opts.rate, seconds });
      const pool = pooled.get(target)!;
      pool.elapsed += turn.elapsed;
      for (const [kind, got] of turn.byKind) {
        const into = pool.byKind.get(kind) ?? { times: [], errors: 0, non2xx: 0 };
        into.times.push(...got.times);
        into.errors += got.errors;
        into.non2xx += got.non2xx;
        pool.byKind.set(kind, into);
      }
      await opts.after?.(target);
    }
  }
  return new Map([...pooled].map(([t, { byKind, elapsed }]) => [t, summarised(byKind, elapsed)]));
}
