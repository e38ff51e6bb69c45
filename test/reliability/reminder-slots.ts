import type { Db } from '../../src/db/open.ts';
import type { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';

/**
 * The comms lead's update reminders of a replica storm, per incident and due slot: which slots Slack got a
 * reminder for (and how many times), and which slots a live replica holding the reminders job let pass.
 *
 * A reminder is the `update_overdue` notice of one slot: its outbox key ends in `due:<the slot's due time>`
 * (src/incidents/communication.ts), and the message carries that key in its metadata. The job ticks at
 * every :00 and :30 (`*\/30 * * * * *`), so a slot due at D is reminded at the first tick at or after D by
 * the replica holding the job's lease. A slot still stored as due well after such a tick, while one live
 * replica held the lease all along, is missed; a slot that passed while the holder was dead (its lease not
 * yet run out) is skipped by design: the next holder reminds once, for the latest interval.
 */

const REMINDER_KEY = /^incident:(\d+):channel\.notice:update_overdue:due:(\d+)$/;
const TICK_MS = 30_000;
/** How long after its tick a round may take to store its reminders (a busy database in the storm). */
const GRACE_MS = 10_000;

interface Poll {
  at: number;
  /** The reminders job's holder, when it is a live replica's current life; undefined otherwise. */
  liveHolder: string | undefined;
  /** Each open incident's next update due time. */
  due: Map<number, number>;
}

/** `<incident>@<due time>` of a reminder's key, undefined for any other key. */
const slotOf = (key: string | undefined): string | undefined => {
  const slot = REMINDER_KEY.exec(key ?? '');
  return slot ? `${slot[1]}@${slot[2]}` : undefined;
};

export class ReminderSlots {
  private readonly polls: Poll[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    /** The replica ids alive now (each life has its own id). */
    private readonly liveIds: () => (string | undefined)[],
  ) {}

  /** Samples the lease holder and each open incident's due time every `everyMs` until `stop`. */
  watch(everyMs = 1_000): this {
    this.timer = setInterval(() => this.poll(), everyMs);
    return this;
  }

  /** Stops sampling, after one last sample. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
  }

  poll(): void {
    const at = Date.now();
    const holder = this.db
      .prepare('SELECT holder FROM job_leases WHERE job = ? AND lease_until > ?')
      .pluck()
      .get('reminders', at) as string | undefined;
    const rows = this.db
      .prepare(
        `SELECT id, update_due_at AS "due" FROM incidents WHERE status <> 'resolved' AND update_due_at IS NOT NULL`,
      )
      .all() as { id: number | string; due: number | string }[];
    this.polls.push({
      at,
      liveHolder: holder && this.liveIds().includes(holder) ? holder : undefined,
      due: new Map(rows.map((r) => [Number(r.id), Number(r.due)])),
    });
  }

  /** When the last open incident not yet reminded at all comes due (0 when every one has been reminded). */
  lastFirstSlot(): number {
    this.poll();
    const reminded = new Set(this.queued().map((slot) => slot.split('@')[0]));
    const waiting = [...this.polls.at(-1)!.due].filter(([incident]) => !reminded.has(String(incident)));
    return Math.max(0, ...waiting.map(([, due]) => due));
  }

  /** The slots whose reminder is in the outbox (queued, or delivered). */
  private queued(): string[] {
    return (this.db.prepare('SELECT idempotency_key FROM outbox').pluck().all() as string[])
      .map(slotOf)
      .filter((slot): slot is string => slot !== undefined);
  }

  /**
   * What Slack got, per slot; the slots a live holder let pass, and the reminders queued (their slot
   * moved on in the database) that never reached Slack.
   */
  tally(slack: FakeSlack): { sent: number; duplicated: string[]; missed: string[]; checkedTicks: number } {
    const posted = new Map<string, number>();
    for (const m of slack.ws.messages) {
      const slot = slotOf((m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key);
      if (slot) posted.set(slot, (posted.get(slot) ?? 0) + 1);
    }
    const missed = new Set(this.queued().filter((slot) => !posted.has(slot)));
    const checked = new Set<number>();
    for (const poll of this.polls) {
      for (const [incident, due] of poll.due) {
        // Every tick since the slot came due that is at least GRACE before this poll, held throughout by one live replica.
        for (let tick = Math.ceil(due / TICK_MS) * TICK_MS; tick <= poll.at - GRACE_MS; tick += TICK_MS) {
          if (!this.heldAcross(tick, poll.at)) continue;
          checked.add(tick);
          missed.add(`${incident}@${due}`);
        }
      }
    }
    // Ticks where a live holder had nothing overdue left count as checked too (they are what proves "0 missed").
    for (const poll of this.polls) {
      const tick = Math.floor((poll.at - GRACE_MS) / TICK_MS) * TICK_MS;
      if (tick > 0 && this.heldAcross(tick, poll.at)) checked.add(tick);
    }
    return {
      sent: posted.size,
      duplicated: [...posted].filter(([, n]) => n > 1).map(([slot, n]) => `${slot} ×${n}`),
      missed: [...missed],
      checkedTicks: checked.size,
    };
  }

  /** Whether one live replica held the job at every poll from just before `tick` to `until`. */
  private heldAcross(tick: number, until: number): boolean {
    const span = this.polls.filter((p) => p.at >= tick - 2_000 && p.at <= until);
    const holder = span[0]?.liveHolder;
    return Boolean(holder) && span[0]!.at <= tick && span.every((p) => p.liveHolder === holder);
  }
}
