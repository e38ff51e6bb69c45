/**
 * Random faults for the fake servers, reproducible from a seed. Some faults happen before the fake
 * acts (the call had no effect); `reset_after` happens after it acted (the effect exists but the
 * answer is lost) — the uncertain outcome a client must not turn into a duplicate.
 */
export type ChaosFault =
  | { type: 'rate_limited'; retryAfter: number }
  | { type: 'server_error'; status: 500 | 502 | 503 }
  | { type: 'reset_before' }
  | { type: 'reset_after' }
  | { type: 'slow'; delayMs: number }
  /** No answer until after the client's timeout, and nothing done (the server dropped it). */
  | { type: 'timeout'; holdMs: number };

/** How often each fault is chosen, when one is (timeouts only when the client's timeout is known). */
const WEIGHTS: [ChaosFault['type'], number][] = [
  ['rate_limited', 0.1],
  ['server_error', 0.25],
  ['reset_before', 0.2],
  ['reset_after', 0.2],
  ['slow', 0.15],
  ['timeout', 0.1],
];

export class Chaos {
  private state: number;
  readonly counts: Record<ChaosFault['type'], number> = {
    rate_limited: 0,
    server_error: 0,
    reset_before: 0,
    reset_after: 0,
    slow: 0,
    timeout: 0,
  };

  /** `clientTimeoutMs`: how long the client waits; a timeout fault holds a little longer. */
  constructor(
    readonly rate: number,
    seed: number,
    readonly clientTimeoutMs?: number,
  ) {
    this.state = seed >>> 0;
  }

  /** mulberry32 */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A fault for this call, or null for a clean answer. */
  next(): ChaosFault | null {
    if (this.random() >= this.rate) return null;
    const weights = this.clientTimeoutMs ? WEIGHTS : WEIGHTS.filter(([t]) => t !== 'timeout');
    let pick = this.random() * weights.reduce((a, [, w]) => a + w, 0);
    const type = weights.find(([, w]) => (pick -= w) < 0)?.[0] ?? 'slow';
    this.counts[type]++;
    switch (type) {
      case 'rate_limited':
        return { type, retryAfter: 1 };
      case 'server_error':
        return { type, status: ([500, 502, 503] as const)[Math.floor(this.random() * 3)]! };
      case 'slow':
        return { type, delayMs: 50 + Math.floor(this.random() * 250) };
      case 'timeout':
        return { type, holdMs: (this.clientTimeoutMs ?? 0) + 500 };
      default:
        return { type };
    }
  }
}
