import { schedule, type ScheduledTask } from 'node-cron';
import type { Db } from '../db/open.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import type { Logger } from '../lib/logger.ts';

/** How often a replica says it is alive. The runbook runner's silence bound is several of these. */
export const HEARTBEAT_MS = 10_000;

/** A replica whose row is younger than this counts as live (three beats: one late beat is not a death). */
export const REPLICA_LIVE_MS = 3 * HEARTBEAT_MS;

/**
 * How often a replica re-counts the live ones between its beats. A replica that joins counts the
 * others at once; the others learn of it here, within a second rather than at their next beat, so
 * that during a deploy in a storm they do not all pace at the whole workspace's limit for 10 s.
 */
export const REPLICA_COUNT_MS = 1_000;

/** This replica's row in `replicas`: written at start and every 10 s, removed at a clean stop. */
export class ReplicaHeartbeat {
  private readonly stmt;
  private liveCount = 1;
  private liveRank = 0;

  constructor(
    db: Db,
    readonly id: string,
    private readonly now: () => number,
  ) {
    this.stmt = {
      beat: db.prepare(
        'INSERT INTO replicas (id, seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
      ),
      leave: db.prepare('DELETE FROM replicas WHERE id = ?'),
      // Ordered by id, so that every replica reads the same order (its rank: see `rank`).
      live: db.prepare('SELECT id FROM replicas WHERE seen_at > ? ORDER BY id').pluck(),
    };
  }

  /** Says this replica is alive, and counts the live ones (itself included) while at it. */
  beat(): void {
    this.stmt.beat.run(this.id, this.now());
    this.count();
  }

  /** Counts the live replicas (this one included) without beating: one read of a row per replica. */
  count(): void {
    const ids = this.stmt.live.all(this.now() - REPLICA_LIVE_MS) as string[];
    const at = ids.indexOf(this.id);
    // Not among them (its beat not written yet, or failing while reads work): it is live all the same,
    // so it counts itself in, and takes the place after the others, which gets no remainder.
    this.liveCount = at >= 0 ? ids.length : ids.length + 1;
    this.liveRank = at >= 0 ? at : ids.length;
  }

  /**
   * Replicas alive at the last count, this one included (1 before any): kept in memory so that callers
   * on a hot path (the Slack pacer, at each call) never query for it.
   */
  get live(): number {
    return this.liveCount;
  }

  /** This replica's place among those counted live (0-based, in id order, the same order on each). */
  get rank(): number {
    return this.liveRank;
  }

  /** At a clean stop: with no row left, this replica's unfinished runs count as orphaned at once. */
  leave(): void {
    this.stmt.leave.run(this.id);
  }
}

/**
 * The heartbeat, per process by nature (each replica speaks for itself, so no lease). Beats once now,
 * before the replica starts any runbook run, so no other replica takes its fresh runs for orphans.
 */
export function startHeartbeatJob(heartbeat: ReplicaHeartbeat, log: Logger, storage?: StorageGuard): { stop(): void } {
  const beat = () => {
    try {
      heartbeat.beat();
    } catch (error) {
      if (!storage?.failure(error))
        log.error({ event: 'job.failed', job: 'heartbeat', err: error }, 'heartbeat failed');
    }
  };
  const count = () => {
    try {
      heartbeat.count();
    } catch {
      // The last count stands (a stale share only paces as before); the beat, failing as well, logs it.
    }
  };
  beat();
  const task: ScheduledTask = schedule('*/10 * * * * *', beat, { name: 'heartbeat', noOverlap: true, unref: true });
  const counting = setInterval(count, REPLICA_COUNT_MS).unref();
  return {
    stop: () => {
      void task.destroy();
      clearInterval(counting);
      try {
        heartbeat.leave();
      } catch (error) {
        // The row stays: this replica's runs are orphaned once it is older than the bound instead.
        if (!storage?.failure(error)) log.warn({ event: 'heartbeat.kept', err: error }, 'heartbeat row not removed');
      }
    },
  };
}
