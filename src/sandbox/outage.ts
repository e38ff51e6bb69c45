/**
 * A vendor that is down for a while, for the fake servers: every call meets the outage until the
 * test (or the sandbox) ends it by clearing the fake's `outage`. Nothing is done either way, as a
 * vendor's load balancer answers while its backends are gone:
 * - `unavailable`: an immediate 503;
 * - `hang`: no answer at all; the socket is dropped after `holdMs` (the client's timeout ends it first);
 * - `mixed`: the two alternate, so a client meets both kinds of outage in one window.
 */
export type OutageMode = 'unavailable' | 'hang' | 'mixed';

export class Outage {
  /** Calls met, by what they met. */
  readonly counts = { unavailable: 0, hang: 0 };
  private seen = 0;

  constructor(
    readonly mode: OutageMode,
    /** How long a hung call is held before its socket is dropped (far beyond any client timeout). */
    readonly holdMs = 30_000,
  ) {}

  /** What this call meets. */
  next(): 'unavailable' | 'hang' {
    const kind = this.mode === 'mixed' ? (this.seen++ % 2 === 0 ? 'unavailable' : 'hang') : this.mode;
    this.counts[kind]++;
    return kind;
  }
}

/** Holds a hung call: the socket is dropped later unless the client gave up first (it keeps no process alive). */
export const holdThenDrop = (socket: { destroy(): void }, holdMs: number): void =>
  void setTimeout(() => socket.destroy(), holdMs).unref();
