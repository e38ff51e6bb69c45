import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';
import { contextFromTraceparent, inSpan, noTracer, type Tracer } from '../lib/telemetry.ts';
import { backoffMs } from './backoff.ts';
import type { OutboxRepository } from './outbox-repository.ts';
import type { OutboxHead, OutboxRow } from './types.ts';

/** What became of a row: `covered` is settled by the delivery of a newer row of its kind (`rendersCurrent`). */
export type Outcome = 'delivered' | 'covered' | 'retry' | 'rate_limited' | 'dead';

/** How a failed delivery should be treated. */
export type Failure = { type: 'rate_limited'; retryAfterMs: number } | { type: 'transient' } | { type: 'permanent' };

export interface Delivered {
  /** Stored on the row for operators and later effects. */
  result?: unknown;
  /** Writes the result back (e.g. the channel id); runs in the same transaction that marks the row delivered. */
  commit?: () => void;
}

export interface EffectHandler {
  /** Rows in the same lane share a rate limit: a 429 pauses the whole lane. */
  lane: string;
  /**
   * The delivery renders what is current (the incident as it is now), whatever its row says: one
   * delivery stands for every row of its kind queued for the same incident before it began, and
   * settles them with its own (a burst of updates edits a pinned message once, not once per update).
   */
  rendersCurrent?: boolean;
  deliver(row: OutboxRow, log: Logger): Promise<Delivered>;
  classify(error: unknown): Failure;
}

export interface WorkerOptions {
  repo: OutboxRepository;
  handlers: Record<string, EffectHandler>;
  logger: Logger;
  /** This process among the replicas sharing the database: the name its claims carry. */
  replica: string;
  /**
   * How long a claim holds (ms): longer than one vendor call may take, renewed while the delivery
   * runs, so only a replica that stopped running loses its rows to another.
   */
  leaseMs: number;
  now?: () => number;
  concurrency: number;
  maxAttempts: number;
  pollMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Told every attempt's outcome (for metrics). */
  onOutcome?: (kind: string, outcome: Outcome) => void;
  /** Storage errors are reported here; while it is not writable no delivery starts. */
  storage?: StorageGuard;
  /** Each delivery is a span, a child of the stored context of the change that queued the row. */
  tracer?: Tracer;
  /**
   * How long a lane's next call would wait for its rate-limit slot (0: it would go now). Its rows are
   * left pending meanwhile, so a delivery never holds a slot of `concurrency` while it waits its turn.
   */
  laneWaitMs?: (lane: string) => number;
  /**
   * Whether requests are waiting for their answer (an ack must not queue behind a delivery's CPU):
   * no delivery starts while one is, for at most `maxYieldMs` at a time, so a steady stream of
   * requests slows deliveries down but never stops them. Call `answered()` when the last is answered.
   */
  answering?: () => boolean;
  /** See `DEFAULT_MAX_YIELD_MS`. */
  maxYieldMs?: number;
  /**
   * The share of its time the worker may spend looking for due rows while what it found last can fill
   * its free slots (0 < share ≤ 1; default 0.1). A look walks every ordering key with rows pending, so
   * its cost grows with the incidents queued, and with 200 of them a look after each delivery took more
   * CPU than the deliveries (webhook-ingest's profile, bench/README.md). After a look that took t, the
   * pumps of the next t × (1 / share − 1) (at most a poll; nothing under a millisecond, so a short
   * queue is looked at as before) start deliveries from the heads that look found, and look again
   * only when those cannot fill a free slot.
   */
  lookShare?: number;
}

/**
 * Delivers outbox rows: in order per ordering key, in parallel across keys, pausing a lane for as
 * long as the API's Retry-After says, retrying with backoff. Rows stay pending in the database
 * until delivered, so a crash at any point only means they are picked up again on start. Several
 * replicas' workers may share the database: each row is claimed before its delivery (see
 * `OutboxRepository.claim`), and a crashed replica's rows are taken over when its lease passes.
 */
export class OutboxWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pausedUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private abandoned = false;
  private pumpScheduled = false;
  private readonly now: () => number;
  private readonly pollMs: number;
  /** Deliveries in flight per vendor (a lane's first word: `slack:chat.postMessage` is Slack's). */
  private readonly busy = new Map<string, number>();
  private readonly vendors: string[];
  /** Each lane and the kinds delivered in it: what `kindsWaitingForSlots` asks the pacer about. */
  private readonly lanes: [lane: string, kinds: string[]][];
  /** Heads passed over last round because their lane was waiting for a slot: fetched on top next round. */
  private pacedHeads = 0;
  /** The soonest a passed-over lane has a slot: the worker looks again then rather than at the next poll. */
  private wakeInMs = Infinity;
  /** Since when (performance.now()) starting deliveries has waited for requests to be answered. */
  private yieldingSince: number | undefined;
  /** When (performance.now()) the next look for due rows may be taken (see `lookShare`). */
  private nextLookAt = 0;
  /** The heads the last look found, less those tried since: what pumps start until the next look. */
  private looked: OutboxHead[] = [];
  /** The kinds the last look left out, their lanes waiting for a rate-limit slot. */
  private lookedWithout: string[] = [];
  /** See `lookShare`. */
  private readonly lookShare: number;
  /** Rows may have been queued, or have come due, since the last look (see `notify`). */
  private mayHaveNew = true;
  /** When (performance.now()) the last look began. */
  private lastLookAt = 0;
  /** Keys whose delivery ended since the last pump: each may go on with its next row (see `chain`). */
  private readonly freed = new Set<string>();

  constructor(private readonly opts: WorkerOptions) {
    this.now = opts.now ?? Date.now;
    this.pollMs = opts.pollMs ?? 250;
    const share = opts.lookShare ?? DEFAULT_LOOK_SHARE;
    if (!(share > 0 && share <= 1)) throw new RangeError(`lookShare must be more than 0 and at most 1, not ${share}`);
    this.lookShare = share;
    this.vendors = [...new Set(Object.values(opts.handlers).map((h) => vendorOf(h.lane)))];
    const lanes = new Map<string, string[]>();
    for (const [kind, { lane }] of Object.entries(opts.handlers)) lanes.set(lane, [...(lanes.get(lane) ?? []), kind]);
    this.lanes = [...lanes];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abandoned = false;
    this.notify();
  }

  /**
   * Asks the worker to look for work now (called after a transaction enqueued effects). Calls in
   * one turn of the event loop share one look: a burst of 500 webhooks costs one query, not 500.
   */
  notify(): void {
    this.mayHaveNew = true;
    this.schedule();
  }

  /** Pumps once this turn of the event loop is over; for the worker's own wakes, which queue nothing. */
  private schedule(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pumpNow();
    });
  }

  /**
   * The last request waiting for its answer has it: deliveries held back for it start now. Only then:
   * a look after every answer (a note, a status read, that queued nothing) would cost each one a
   * query of the queue and a round of the pacer.
   */
  answered(): void {
    if (this.yieldingSince !== undefined) this.schedule();
  }

  /** Only ever run from `schedule`'s setImmediate, so never re-entered. */
  private pumpNow(): void {
    if (!this.running) return;
    const yieldFor = this.yieldFor();
    if (yieldFor > 0) return this.arm(yieldFor);
    let lookIn = Infinity;
    try {
      lookIn = this.pump();
    } catch (error) {
      // The database failed us (closed, disk full, locked past the timeout). Crashing from a timer
      // would take the webhooks and commands down with it; /readyz reports the database, and the
      // next poll tries again.
      if (!this.opts.storage?.failure(error))
        this.opts.logger.error(
          { event: 'outbox.queue_unreadable', err: error },
          'outbox could not read its queue; trying again at the next poll',
        );
    }
    this.arm(lookIn);
  }

  /**
   * Stops taking work. In-flight deliveries get `graceMs` to finish and be recorded; after that
   * their outcome is ignored, exactly as if the process had died, and they are redelivered on start.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight.size > 0 && graceMs > 0) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight.values()]),
        new Promise((resolve) => (timeout = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timeout);
    }
    this.abandoned = true;
    this.looked = [];
    this.nextLookAt = 0;
    this.freed.clear();
    this.mayHaveNew = true;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Starts deliveries in the free slots; returns how long until it may look at the queue again when
   * it did not look (see `lookShare`), else Infinity.
   */
  private pump(): number {
    // Paused while the database cannot be written: an effect whose outcome cannot be recorded would
    // only be done again. The storage's probe wakes the worker when a write succeeds.
    if (this.opts.storage && !this.opts.storage.writable) return Infinity;
    const free = this.opts.concurrency - this.inFlight.size;
    if (free <= 0) return Infinity;
    const now = this.now();
    const skipKinds = this.kindsWaitingForSlots();
    // Rows of a lane that was waiting for its rate-limit slot were left out of the last look: when the
    // slot comes, they are looked for at once (a paced lane's calls keep to its pace, not to the looks').
    const slotCame = this.lookedWithout.some((kind) => !skipKinds.includes(kind));
    const lookIn = this.nextLookAt - performance.now();
    const chained = this.chain(now, free, skipKinds);
    // With a key's next row under way, a look would find nothing more: the poll looks next.
    if (chained > 0) return Infinity;
    // Under a millisecond is not worth a timer (which would take a millisecond anyway).
    let looked = lookIn < 1 || slotCame;
    if (looked) this.look(now, skipKinds);
    this.pacedHeads = 0;
    const first = this.startFrom(now, free);
    // Slots left free and nothing the last look found can take them (its keys busy, its lanes paused
    // or waiting for a slot): only a look finds more. So is found the next row of a key whose delivery
    // just ended, when `chain` could not take it: one incident's backlog goes row after row, not a row
    // per look. Not when a row was passed over to keep a slot for another vendor: that vendor's rows
    // come with the next look.
    if (!looked && first.started < free && first.exhausted) {
      this.look(now, skipKinds);
      looked = true;
      this.startFrom(now, free - first.started);
    }
    return looked ? Infinity : lookIn;
  }

  /**
   * Goes on with the next row of each key whose delivery just ended, found and claimed in one
   * statement, when nothing else could be waiting: the last look's heads are all under way (or done),
   * nothing was queued since, and whatever kind comes next may start (no lane paused or waiting for its
   * rate-limit slot, a slot for every vendor), and the last look is less than a poll old. A look would
   * have found only those rows, at the cost of a walk over every key: a room's dozen effects, one after
   * another, each cost PostgreSQL a look and a claim (bench/README.md). Returns how many it started.
   */
  private chain(now: number, free: number, skipKinds: readonly string[]): number {
    const freed = [...this.freed];
    this.freed.clear();
    // The last look left out kinds whose lane waited for its rate-limit slot: only a look finds those.
    if (freed.length === 0 || this.mayHaveNew || skipKinds.length > 0 || this.lookedWithout.length > 0) return 0;
    // Every key goes on, or none: a key left out here would wait for the next look, which this skips.
    // Enough slots stay free that every vendor's rule in `mayTakeSlot` holds, whichever kind comes.
    if (freed.length > free - this.vendors.length) return 0;
    // Rows of other keys come due in their time (a retry, a reminder, a lapsed claim): every pump
    // re-arms the poll, so while a long backlog goes on, a look at least once a poll finds them.
    if (performance.now() - this.lastLookAt >= this.pollMs) return 0;
    // The heads of keys under way wait for their delivery to end anyway; any other goes first.
    if (this.looked.some((r) => !this.inFlight.has(r.orderingKey))) return 0;
    for (const until of this.pausedUntil.values()) if (until > now) return 0;
    let started = 0;
    for (const key of freed) {
      if (this.inFlight.has(key)) continue;
      const claimed = this.opts.repo.claimNext(key, this.opts.replica, now, now + this.opts.leaseMs);
      if (!claimed) continue;
      this.begin(claimed);
      started++;
    }
    return started;
  }

  /**
   * Starts up to `free` deliveries from the heads the last look found: how many it started, and
   * whether nothing more of them could start (every one tried or passed over for its key or lane).
   */
  private startFrom(now: number, free: number): { started: number; exhausted: boolean } {
    let started = 0;
    let exhausted = true;
    // What is claimed, or gone (taken by another replica, covered, no longer the head), is not tried again.
    const tried = new Set<number>();
    for (const row of this.looked) {
      if (started >= free) {
        exhausted = false;
        break;
      }
      if (this.inFlight.has(row.orderingKey)) continue;
      const handler = this.opts.handlers[row.kind];
      if (handler && (this.pausedUntil.get(handler.lane) ?? 0) > now) continue;
      const waitMs = handler ? (this.opts.laneWaitMs?.(handler.lane) ?? 0) : 0;
      if (waitMs > 0) {
        this.pacedHeads++;
        this.wakeInMs = Math.min(this.wakeInMs, waitMs);
        continue;
      }
      const vendor = handler ? vendorOf(handler.lane) : '';
      if (!this.mayTakeSlot(vendor, free - started)) {
        exhausted = false;
        continue;
      }
      tried.add(row.id);
      // Another replica may have taken it since the heads were read (then it is theirs to deliver),
      // or, read by an earlier look, it may have been covered or have a row queued ahead of it since.
      const claimed = this.opts.repo.claim(row.id, this.opts.replica, now, now + this.opts.leaseMs);
      if (!claimed) continue;
      started++;
      this.begin(claimed);
    }
    if (tried.size > 0) this.looked = this.looked.filter((r) => !tried.has(r.id));
    return { started, exhausted };
  }

  /** Delivers a row this replica has claimed, holding its key (and a slot of its vendor) until it ends. */
  private begin(claimed: OutboxRow): void {
    const handler = this.opts.handlers[claimed.kind];
    const vendor = handler ? vendorOf(handler.lane) : '';
    this.busy.set(vendor, (this.busy.get(vendor) ?? 0) + 1);
    const renewing = this.renewing(claimed);
    const delivery = this.traced(claimed, handler)
      .catch((error: unknown) => this.unrecorded(claimed, error))
      .finally(() => {
        clearInterval(renewing);
        this.inFlight.delete(claimed.orderingKey);
        this.busy.set(vendor, this.busy.get(vendor)! - 1);
        this.freed.add(claimed.orderingKey);
        this.schedule();
      });
    this.inFlight.set(claimed.orderingKey, delivery);
  }

  /**
   * Reads the heads due now into `looked`, and when the next look may be (see `lookShare`). It reads
   * more than the free slots take: the rest serve the pumps until then, as deliveries end.
   */
  private look(now: number, skipKinds: string[]): void {
    const share = this.lookShare;
    // Over-fetch: heads whose key is busy or whose lane is paused are skipped this round.
    const limit = this.opts.concurrency * Math.ceil(1 / share) + this.pausedUntil.size + this.pacedHeads + LOOK_EXTRA;
    const began = performance.now();
    // A key in flight shows the row being delivered: it is done by the time the key is free again.
    this.looked = this.opts.repo
      .heads(now, limit, skipKinds, this.opts.replica)
      .filter((r) => !this.inFlight.has(r.orderingKey));
    // Only a look that was read: one that failed has seen nothing.
    this.mayHaveNew = false;
    this.lastLookAt = began;
    this.lookedWithout = skipKinds;
    const ended = performance.now();
    // Never longer than a poll: one slow look (a stalled database) must not hide new rows for seconds.
    this.nextLookAt = ended + Math.min((ended - began) * (1 / share - 1), this.pollMs);
  }

  /**
   * Kinds whose lane would wait for a rate-limit slot now: left in the database this round (a storm's
   * hundreds of them would otherwise be read, and passed over, after every delivery).
   */
  private kindsWaitingForSlots(): string[] {
    this.wakeInMs = Infinity;
    const laneWaitMs = this.opts.laneWaitMs;
    if (!laneWaitMs) return [];
    const kinds: string[] = [];
    for (const [lane, ofLane] of this.lanes) {
      const wait = laneWaitMs(lane);
      if (wait <= 0) continue;
      kinds.push(...ofLane);
      this.wakeInMs = Math.min(this.wakeInMs, wait);
    }
    return kinds;
  }

  /**
   * A vendor with deliveries in flight may not take the last free slots: one stays free for each
   * other vendor with nothing in flight. A vendor that takes calls and never answers (until the
   * timeout) would otherwise fill every slot, and a room would wait for PagerDuty, or Slack for GitHub.
   */
  private mayTakeSlot(vendor: string, free: number): boolean {
    if (!this.busy.get(vendor)) return true;
    const idleOthers = this.vendors.filter((v) => v !== vendor && !this.busy.get(v)).length;
    return free > idleOthers;
  }

  /**
   * Keeps a claim while its delivery runs: a handler may make several calls, each up to the vendor
   * timeout, and a live replica's row must not be taken over. A replica that stopped running (or was
   * stopped) renews nothing, and its lease runs out.
   */
  private renewing(row: OutboxRow): NodeJS.Timeout {
    const { repo, replica, leaseMs } = this.opts;
    const timer = setInterval(
      () => {
        if (this.abandoned) return clearInterval(timer);
        try {
          if (!repo.renewClaim(row.id, replica, this.now() + leaseMs)) clearInterval(timer);
        } catch (error) {
          // The next renewal tries again; the lease had room for a missed one.
          if (!this.opts.storage?.failure(error))
            this.opts.logger.warn({ event: 'outbox.renew_failed', outbox_id: row.id, err: error }, 'claim not renewed');
        }
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return timer;
  }

  /** How much longer to leave the CPU to requests waiting for an answer (0: start deliveries now). */
  private yieldFor(): number {
    if (!this.opts.answering?.()) {
      this.yieldingSince = undefined;
      return 0;
    }
    const now = performance.now();
    this.yieldingSince ??= now;
    const left = this.yieldingSince + (this.opts.maxYieldMs ?? DEFAULT_MAX_YIELD_MS) - now;
    if (left > 0) return left;
    this.yieldingSince = undefined;
    return 0;
  }

  /** Sleeps until the next poll; rows due later than that, or lanes still paused, are found then. */
  private arm(ms = this.pollMs): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => this.notify(), Math.min(ms, this.pollMs, this.wakeInMs));
    this.timer.unref();
  }

  /**
   * Delivers in the context of the request that caused the row (its trace and cause), whenever
   * that was: after a restart the stored traceparent still names the parent span.
   */
  private traced(row: OutboxRow, handler: EffectHandler | undefined): Promise<void> {
    const attributes = {
      'outbox.id': row.id,
      'outbox.kind': row.kind,
      'outbox.attempt': row.attempts + 1,
      ...(row.incidentId === null ? {} : { 'incident.id': row.incidentId }),
    };
    return context.with(contextFromTraceparent(row.traceparent, row.cause), () =>
      inSpan(this.opts.tracer ?? noTracer, `outbox.deliver ${row.kind}`, attributes, () => this.deliver(row, handler)),
    );
  }

  private async deliver(row: OutboxRow, handler: EffectHandler | undefined): Promise<void> {
    const log = this.opts.logger.child({
      outbox_id: row.id,
      kind: row.kind,
      incident_id: row.incidentId ?? undefined,
      attempt: row.attempts + 1,
    });
    const { repo, replica } = this.opts;
    if (!handler) {
      // A row no handler knows (e.g. written by a newer version) must not block its key forever.
      if (!repo.markDead(row.id, `no handler for kind ${row.kind}`, replica)) return this.claimLost(log, 'dead');
      log.error({ event: 'outbox.dead', reason: 'no_handler' }, 'no handler for outbox row kind; marking it dead');
      return;
    }
    // Read before the handler reads the incident: the changes that queued these rows are what it renders.
    // Only for a row that waited its turn: a row delivered as soon as it was queued has nothing behind it.
    const covered = handler.rendersCurrent && this.now() - row.createdAt >= COVER_AFTER_MS ? repo.queuedLike(row) : [];
    let outcome: { ok: true; delivered: Delivered } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, delivered: await handler.deliver(row, log) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (this.abandoned) return;
    const now = this.now();
    if (outcome.ok) {
      const { delivered } = outcome;
      let settled = 0;
      const settle = () => {
        // What the delivery learnt is written back only by the replica whose outcome stands.
        if (!repo.markDelivered(row.id, delivered.result, now, replica)) return false;
        delivered.commit?.();
        settled = repo.markCovered(covered, row.id, now);
        return true;
      };
      // A settle that writes the row alone is one conditional statement, whole by itself (as a claim
      // is). In a transaction it cost PostgreSQL a second round trip (BEGIN with the replicas' write
      // lock, then COMMIT), and waited for whichever replica held that lock.
      const ours = delivered.commit || covered.length > 0 ? repo.db.transaction(settle)() : settle();
      if (!ours) return this.claimLost(log, 'delivered');
      log.info(
        { event: 'outbox.delivered', latency_ms: now - row.createdAt, ...(settled > 0 ? { covered: settled } : {}) },
        'delivered',
      );
      this.outcome(row.kind, 'delivered');
      for (let i = 0; i < settled; i++) this.opts.onOutcome?.(row.kind, 'covered');
      return;
    }
    // The handler's own commit (a change to the incident) met a full disk: not the vendor's failure.
    if (this.opts.storage?.failure(outcome.error)) return this.unrecorded(row, outcome.error);
    this.fail(row, handler, outcome.error, now, log);
  }

  /**
   * A delivery whose start or outcome could not be written. Nothing is lost: the row is still
   * pending, and if the vendor acted, the row's `starts` makes the next attempt look before it acts.
   * Never thrown on: a rejection here would end the process.
   */
  private unrecorded(row: OutboxRow, error: unknown): void {
    const log = this.opts.logger.child({ outbox_id: row.id, kind: row.kind });
    if (this.opts.storage?.failure(error))
      log.debug('outcome not recorded: the database cannot be written; retried when it can');
    else log.error({ event: 'outbox.unrecorded', err: error }, 'outbox delivery could not be recorded; it is retried');
  }

  /**
   * Our lease passed and another replica took the row over: its outcome is the row's, ours is only
   * told. (Its delivery looked before acting, as the row was marked uncertain by our start.)
   */
  private claimLost(log: Logger, outcome: Exclude<Outcome, 'covered'>): void {
    log.warn(
      { event: 'outbox.claim_lost', replica: this.opts.replica, dropped: outcome },
      'outbox row was taken over by another replica after our lease passed; our outcome is dropped',
    );
  }

  private outcome(kind: string, outcome: Exclude<Outcome, 'covered'>): void {
    const span = trace.getActiveSpan();
    span?.setAttribute('outbox.outcome', outcome);
    if (outcome !== 'delivered') span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    this.opts.onOutcome?.(kind, outcome);
  }

  private fail(row: OutboxRow, handler: EffectHandler, error: unknown, now: number, log: Logger): void {
    const { repo, maxAttempts, replica } = this.opts;
    const failure = handler.classify(error);
    const message = describe(error);
    if (failure.type === 'rate_limited') {
      const until = now + failure.retryAfterMs;
      // The vendor's answer holds for this replica's calls whoever owns the row now.
      this.pausedUntil.set(handler.lane, Math.max(until, this.pausedUntil.get(handler.lane) ?? 0));
      if (!repo.reschedule(row.id, until, message, false, replica)) return this.claimLost(log, 'rate_limited');
      log.warn(
        { event: 'outbox.rate_limited', lane: handler.lane, retry_after_ms: failure.retryAfterMs },
        'rate limited; lane paused',
      );
      this.outcome(row.kind, 'rate_limited');
      return;
    }
    const attempt = row.attempts + 1;
    if (failure.type === 'permanent' || attempt >= maxAttempts) {
      if (!repo.markDead(row.id, message, replica)) return this.claimLost(log, 'dead');
      log.error({ event: 'outbox.dead', err: error, failure: failure.type }, 'delivery failed for good; row is dead');
      this.outcome(row.kind, 'dead');
      return;
    }
    const delay = backoffMs(attempt, this.opts.backoffBaseMs ?? 1000, this.opts.backoffMaxMs ?? 300_000);
    if (!repo.reschedule(row.id, now + delay, message, true, replica)) return this.claimLost(log, 'retry');
    log.warn({ event: 'outbox.retry', err: error, retry_in_ms: delay }, 'delivery failed; will retry');
    this.outcome(row.kind, 'retry');
  }
}

/**
 * How long a row waited before the worker looks for rows of its kind queued behind it. A row
 * delivered at once has none, and the look would cost every delivery a read for nothing.
 */
const COVER_AFTER_MS = 100;

/**
 * The longest starting deliveries waits for requests to be answered (`WorkerOptions.answering`). Only
 * requests that overlap without a break for longer than this are held to it; then the worker starts
 * at most `concurrency` deliveries per this time. Longer is a trade between two kinds of acks
 * (bench/README.md, the section of 2026-12-02 on a longer wait for the deliveries): at 100 ms
 * webhook ingest took about a quarter more a second, and `/incident update` at 500/s acked more
 * slowly in every pair of runs (its median 6.3-7.1 ms at 25 ms, 7.3-16.5 ms at 100 ms).
 */
const DEFAULT_MAX_YIELD_MS = 25;

/** See `WorkerOptions.lookShare`. */
const DEFAULT_LOOK_SHARE = 0.1;
/** Heads read beyond what the slots take until the next look: keys in flight or paced are passed over. */
const LOOK_EXTRA = 32;

const vendorOf = (lane: string) => lane.split(':')[0]!;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 1000);
  }
  return String(error).slice(0, 1000);
}
