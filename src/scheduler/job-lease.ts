import type { Db } from '../db/open.ts';

/**
 * How long a job's lease lasts: a few of its rounds, and never under 90 s, so a holder that misses a
 * round or two (a slow GitHub call, a busy event loop) keeps it. The holder renews it every round.
 * A replica that dies without releasing is taken over by another replica at that replica's first
 * round after the lease ran out: at most `leaseMs(periodMs) + periodMs` after the holder's last round
 * (reminders and maintenance windows: about 2 minutes; the 5-minute GitHub jobs 20 minutes; the
 * 15-minute monthly summary an hour; hourly retention 4 hours). A replica that stops releases at once.
 */
export const leaseMs = (periodMs: number): number => Math.max(3 * periodMs, 90_000);

/**
 * Claimed rows in `job_leases`, one per scheduled job, so each round runs on one replica of those
 * sharing the database. Taking or renewing is one conditional upsert (both engines speak
 * `ON CONFLICT … DO UPDATE … WHERE`): it writes a row when the job has none, when the lease ran out,
 * or when this replica already holds it, and changes nothing otherwise.
 */
export class JobLeases {
  private readonly stmt;

  constructor(
    db: Db,
    /** This replica's id. */
    readonly holder: string,
    private readonly now: () => number,
  ) {
    this.stmt = {
      take: db.prepare(
        `INSERT INTO job_leases (job, holder, lease_until) VALUES (@job, @holder, @until)
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
         WHERE job_leases.holder = excluded.holder OR job_leases.lease_until <= @now`,
      ),
      release: db.prepare('DELETE FROM job_leases WHERE job = ? AND holder = ?'),
      holderOf: db.prepare('SELECT holder FROM job_leases WHERE job = ? AND lease_until > ?'),
    };
  }

  /** Takes or renews the job's lease for `ms`; false while another replica holds it. */
  take(job: string, ms: number): boolean {
    const now = this.now();
    return this.stmt.take.run({ job, holder: this.holder, until: now + ms, now }).changes > 0;
  }

  /** Gives the job up (at stop), so another replica takes it at its next round. Only our own lease. */
  release(job: string): void {
    this.stmt.release.run(job, this.holder);
  }

  /** Who holds the job's lease now, if anyone (for operators and tests). */
  holderOf(job: string): string | undefined {
    return (this.stmt.holderOf.get(job, this.now()) as { holder: string } | undefined)?.holder;
  }
}
