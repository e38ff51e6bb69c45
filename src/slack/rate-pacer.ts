import type { Logger } from '../lib/logger.ts';
import { SLACK_LIMITS, type Limit } from './rate-tiers.ts';

/** Per-channel paces kept before idle ones are dropped. */
const MAX_PACES = 1000;
/** Quiet windows after which a learned (lowered) limit gives way to the published one again. */
const RECOVER_WINDOWS = 10;

/** One admitted call: release it with how Slack answered. */
export interface Ticket {
  /** Slack answered (anything but 429). */
  answered(): void;
  /** Slack answered 429: its limit is stricter than ours; nothing goes out before `retryAfterMs`. */
  refused(retryAfterMs: number): void;
}

export interface PacerOptions {
  limits?: Readonly<Record<string, Limit>>;
  /**
   * Time compression for the sandbox, benchmarks and tests: ×60 makes a minute's allowance a
   * second's, as the fake Slack's `tiers.scale` does. 1 in production.
   */
  scale?: number;
  now?: () => number;
  log?: Logger;
  /**
   * How many live replicas share this workspace (at least 1; read at each pacing decision, so it must be
   * cheap: a number cached in memory, never a query). Slack counts a workspace-wide method's calls per app
   * and workspace, so each replica keeps to its share of the allowance. Default: this process alone.
   */
  share?: () => number;
  /**
   * This process's place among the replicas `share` counts (0-based, the same order on each; cheap, as
   * `share`). A limit that does not divide evenly is not rounded down for all: the first
   * `limit mod replicas` take one call more a window, so that together they use the whole limit
   * (three replicas of a 20-a-minute method make 7 + 7 + 6, not 6 each, 18 a minute), once they have
   * held their places for a whole window. Default 0; one out of range is read as the last place.
   */
  rank?: () => number;
}

/** An admitted call; `at` is when Slack answered it (it counted the call no later), null while in flight. */
interface Stamp {
  at: number | null;
  refused?: boolean;
}

/**
 * The calls of one method (or one method in one channel): no more than `calls` in any window, the way
 * Slack counts them. A call counts from when Slack answers it, since Slack saw it no later than that:
 * a call let out one window after that cannot meet it in Slack's window, however the network delays either.
 */
class Pace {
  private readonly stamps: Stamp[] = [];
  private readonly waiting: Array<(ticket: Ticket) => void> = [];
  private blockedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  /** Calls admitted so far, and how many had been when the limit was last lowered (sent at the old pace). */
  private admitted = 0;
  private admittedWhenLearned = -1;
  private lastRefusedAt = -Infinity;
  private calls: number;

  constructor(
    private readonly key: string,
    private readonly published: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly log: Logger | undefined,
    /** This process's part of a limit of `calls` a window (all of it for a per-channel pace: see SlackPacer.pace). */
    private readonly shareOf: (calls: number, windowMs: number) => number,
  ) {
    this.calls = published;
  }

  /** The calls this process may make in a window: its share of the published limit, or the learned one if lower. */
  private allowance(): number {
    return Math.min(this.calls, Math.max(1, this.shareOf(this.published, this.windowMs)));
  }

  acquire(): Promise<Ticket> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
  }

  /** When a call asked for now would go out (now, if it would go at once). */
  readyAt(): number {
    const now = this.now();
    if (this.waiting.length > 0) return Math.max(now + 1, this.timerAt);
    return this.nextAt(now);
  }

  private nextAt(now: number): number {
    this.recover(now);
    const earliest = Math.max(now, this.blockedUntil);
    const calls = this.allowance();
    // Asked before every look at the outbox, for every lane: most of the time no window is near full.
    if (this.stamps.length < calls) return earliest;
    // A call still in flight may reach Slack as late as now.
    const active = this.stamps.map((s) => s.at ?? now).filter((at) => at + this.windowMs > now);
    if (active.length < calls) return earliest;
    active.sort((a, b) => a - b);
    return Math.max(earliest, active[active.length - calls]! + this.windowMs);
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = 0;
    while (this.waiting.length > 0) {
      const now = this.now();
      this.forget(now);
      const at = this.nextAt(now);
      if (at > now) {
        this.timerAt = at;
        this.timer = setTimeout(() => this.pump(), at - now);
        // A call waiting for its slot must not keep a stopping process alive.
        this.timer.unref();
        return;
      }
      this.waiting.shift()!(this.admit());
    }
  }

  private admit(): Ticket {
    const seq = this.admitted++;
    const stamp: Stamp = { at: null };
    this.stamps.push(stamp);
    let done = false;
    const settle = (refused: boolean) => {
      if (done) return false;
      done = true;
      stamp.at = this.now();
      stamp.refused = refused;
      return true;
    };
    return {
      answered: () => {
        if (settle(false)) this.pump();
      },
      refused: (retryAfterMs) => {
        if (!settle(true)) return;
        this.learn(seq, retryAfterMs);
        this.pump();
      },
    };
  }

  /**
   * Slack counted more calls than it allows. What it let through in the window before this refusal is
   * its limit; calls sent together with the refused one (before the limit was lowered) say nothing new.
   */
  private learn(seq: number, retryAfterMs: number): void {
    const now = this.now();
    this.blockedUntil = Math.max(this.blockedUntil, now + retryAfterMs);
    this.lastRefusedAt = now;
    if (seq < this.admittedWhenLearned) return;
    const accepted = this.stamps.filter((s) => s.at !== null && !s.refused && s.at + this.windowMs > now).length;
    // Lowered from what this process was keeping to (its share, when replicas share the workspace).
    const calls = this.allowance();
    // Not below a quarter at once: a refusal with little let through may be another client's doing (the
    // limit is per app and workspace) or a passing squeeze, not a limit of next to nothing.
    const lowered = Math.max(1, Math.min(calls - 1, Math.max(accepted, Math.floor(calls / 4))));
    this.log?.warn(
      { event: 'slack.rate_learned', method: this.key, from: calls, to: lowered, retry_after_ms: retryAfterMs },
      'Slack is stricter than its published limit for this method; pacing it slower',
    );
    this.calls = lowered;
    this.admittedWhenLearned = this.admitted;
  }

  /**
   * A lowered limit lasts while Slack keeps refusing: after RECOVER_WINDOWS quiet windows the
   * published one is tried again (at worst one more refusal then, if Slack is still as strict).
   */
  private recover(now: number): void {
    if (this.calls === this.published || now - this.lastRefusedAt < RECOVER_WINDOWS * this.windowMs) return;
    this.log?.info(
      { event: 'slack.rate_restored', method: this.key, from: this.calls, to: this.published },
      'no refusal for a while; pacing this method at its published limit again',
    );
    this.calls = this.published;
  }

  /** Nothing in flight, waiting or remembered: the pace can be dropped (a per-channel one, say). */
  get idle(): boolean {
    this.forget(this.now());
    return this.waiting.length === 0 && this.stamps.length === 0 && this.blockedUntil <= this.now();
  }

  /** Answered calls older than a window no longer count. */
  private forget(now: number): void {
    let i = 0;
    while (i < this.stamps.length) {
      const at = this.stamps[i]!.at;
      if (at !== null && at + this.windowMs <= now) this.stamps.splice(i, 1);
      else i++;
    }
  }
}

/**
 * Paces Slack Web API calls by each method's published limit, so a burst waits for its slots instead
 * of being sent and refused; learns a stricter limit when Slack answers 429 anyway. Each method (and,
 * for chat.postMessage, each channel) waits on its own: a slow pins.add never holds up another method.
 * Replicas sharing the workspace each keep to their share of a workspace-wide method's limit.
 */
export class SlackPacer {
  private readonly paces = new Map<string, Pace>();
  /** Lanes read before (`laneWaitMs`): the method and channel each names, or null for another vendor's. */
  private readonly lanes = new Map<string, { method: string; channel: string | undefined } | null>();
  private readonly limits: Readonly<Record<string, Limit>>;
  private readonly scale: number;
  private readonly now: () => number;
  /** The share last read, to log when it changes. */
  private shared = 1;
  /** The replicas and this one's place among them last read, and since when they have been so. */
  private place = { replicas: 1, rank: 0, since: -Infinity };

  constructor(private readonly opts: PacerOptions = {}) {
    this.limits = opts.limits ?? SLACK_LIMITS;
    this.scale = opts.scale ?? 1;
    this.now = opts.now ?? Date.now;
  }

  /** How many replicas share the workspace now: a whole number, at least 1 whatever the count says. */
  private readonly share = (): number => {
    const read = this.opts.share?.() ?? 1;
    const share = Number.isFinite(read) ? Math.max(1, Math.floor(read)) : 1;
    if (share !== this.shared) {
      this.opts.log?.info(
        { event: 'slack.pace_shared', from: this.shared, to: share },
        'replicas sharing the Slack workspace changed; pacing its workspace-wide methods at this share',
      );
      this.shared = share;
    }
    return share;
  };

  /** This replica's part of a workspace-wide limit of `calls` a window: the remainder goes to the first places. */
  private readonly shareOf = (calls: number, windowMs: number): number => {
    const replicas = this.share();
    const read = this.opts.rank?.() ?? 0;
    // A place that cannot be right takes none of the remainder: the last place's part.
    const rank = Number.isSafeInteger(read) && read >= 0 && read < replicas ? read : replicas - 1;
    const now = this.now();
    if (replicas !== this.place.replicas || rank !== this.place.rank) this.place = { replicas, rank, since: now };
    // Only a place held for a whole window takes a remainder: when replicas join or leave, the others
    // count again within a second, and what each sent in its window still counts at Slack meanwhile.
    // Without the wait, a place moved up would add its extra call to the old holder's.
    const settled = now - this.place.since >= windowMs;
    return Math.floor(calls / replicas) + (settled && rank < calls % replicas ? 1 : 0);
  };

  /** Resolves when `method` (about `channel`) may be called; release the ticket with Slack's answer. */
  acquire(method: string, channel?: string): Promise<Ticket> | null {
    const pace = this.pace(method, channel);
    return pace ? pace.acquire() : null;
  }

  /** When a call of `method` (about `channel`, for a per-channel method) would go out if asked for now. */
  readyAt(method: string, channel?: string): number {
    const limit = this.limits[method];
    if (!limit || (limit.perChannel && channel === undefined)) return this.now();
    return this.pace(method, channel)!.readyAt();
  }

  /**
   * How long an outbox lane's next call would wait: `slack:<method>`, or `slack:<method>@<channel>`
   * for effects that always post in one channel (the announcement channel). Other vendors' lanes: 0.
   */
  laneWaitMs(lane: string): number {
    let parsed = this.lanes.get(lane);
    if (parsed === undefined) {
      const m = /^slack:([\w.]+)(?:@(.+))?$/.exec(lane);
      parsed = m ? { method: m[1]!, channel: m[2] } : null;
      // The outbox's lanes are a fixed few (one per effect kind); a bound all the same.
      if (this.lanes.size >= MAX_PACES) this.lanes.clear();
      this.lanes.set(lane, parsed);
    }
    return parsed ? Math.max(0, this.readyAt(parsed.method, parsed.channel) - this.now()) : 0;
  }

  private pace(method: string, channel?: string): Pace | undefined {
    const limit = this.limits[method];
    if (!limit) return undefined;
    const key = limit.perChannel ? `${method}@${channel ?? ''}` : method;
    let pace = this.paces.get(key);
    if (!pace) {
      // One pace per channel ever posted to would grow without end; idle ones hold nothing worth keeping.
      if (this.paces.size >= MAX_PACES)
        for (const [k, p] of this.paces) if (p.idle && !this.limits[k]) this.paces.delete(k);
      const windowMs = limit.windowMs / this.scale;
      // A per-channel method is not divided among replicas: an incident room's messages are delivered in
      // that incident's outbox order, which one replica claims at a time, so that channel's calls come from
      // one replica, which may use all of its allowance (halving it would halve every room's pace for
      // nothing). Channels shared by incidents (the announcement channel) can see two replicas at once;
      // there Slack's "short bursts allowed" and Retry-After learning cover the rare overlap.
      const shareOf = limit.perChannel ? (calls: number) => calls : this.shareOf;
      pace = new Pace(key, limit.calls, windowMs, this.now, this.opts.log, shareOf);
      this.paces.set(key, pace);
    }
    return pace;
  }
}
