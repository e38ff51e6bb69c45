import type { Db } from '../db/open.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import { localClock, type LocalTime } from './figures.ts';
import { monthBefore, monthKey, monthName } from './periods.ts';
import type { InsightsService } from './service.ts';

/** The outbox effect that posts the summary (the Slack edge renders it from the payload). */
export const MONTHLY_SUMMARY_EFFECT = 'insights.monthly_summary';
/** Posted from this hour (local) on the first working day: people read it with their morning. */
export const SUMMARY_FROM_HOUR = 9;

/** The previous month's headline figures, as posted (durations in ms, null when there were none). */
export interface MonthlySummaryPayload {
  [key: string]: unknown;
  channel: string;
  month: string;
  label: string;
  link: string;
  incidents: number;
  resolved: number;
  acknowledgeMedian: number | null;
  acknowledgeP90: number | null;
  resolveMedian: number | null;
  resolveP90: number | null;
  pages: number;
  pagesOutOfHours: number;
  followupsOpened: number;
  followupsClosed: number;
}

/** The first Monday–Friday of a month (public holidays are not known to the bot). */
export function firstWorkingDay(year: number, month: number): number {
  const weekdayOf1st = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return weekdayOf1st === 6 ? 3 : weekdayOf1st === 0 ? 2 : 1;
}

/**
 * Which month's summary is due at `t` (local): from SUMMARY_FROM_HOUR on the month's first working
 * day, the month before. Later in the month it is still due (the bot may have been down that morning);
 * the claim makes sure it is posted once.
 */
export function summaryDue(t: LocalTime): { year: number; month: number } | undefined {
  const first = firstWorkingDay(t.year, t.month);
  if (t.day < first || (t.day === first && t.hour < SUMMARY_FROM_HOUR)) return undefined;
  return monthBefore(t.year, t.month);
}

/** SQL of the claims: one row per month, the first claim wins. */
export class SummaryClaimRepository {
  private readonly claimStmt;
  constructor(db: Db) {
    this.claimStmt = db.prepare(
      'INSERT INTO insights_summaries (month, channel, claimed_at) VALUES (?, ?, ?) ON CONFLICT (month) DO NOTHING',
    );
  }
  claim(month: string, channel: string, at: number): boolean {
    return this.claimStmt.run(month, channel, at).changes > 0;
  }
}

export type SummaryOutcome = 'off' | 'not_due' | 'already' | 'queued';

/**
 * The monthly summary in the announcements channel (issue 21, item 5). A tick asks whether a month is
 * due; if so the month is claimed and the post queued in one transaction, so two ticks, a restart
 * or a second process never post the same month twice, and a crash loses nothing (the outbox delivers).
 * Private incidents are not in the figures, as everywhere in insights.
 */
export class MonthlySummary {
  private readonly clock;
  private readonly claims;

  constructor(
    private readonly deps: {
      db: Db;
      insights: InsightsService;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      /** `announcements.channel`; unset, there is no summary. */
      channel: string | undefined;
      now: () => number;
      onEnqueued?: () => void;
    },
  ) {
    this.clock = localClock(deps.insights.timeZone);
    this.claims = new SummaryClaimRepository(deps.db);
  }

  runOnce(): SummaryOutcome {
    const { channel, insights, now } = this.deps;
    if (!channel) return 'off';
    const at = now();
    const due = summaryDue(this.clock(at));
    if (!due) return 'not_due';
    const month = monthKey(due.year, due.month);
    const q = { period: month, severities: [], services: [] };
    const queued = this.deps.db.transaction(() => {
      if (!this.claims.claim(month, channel, at)) return false;
      const f = insights.compare(q, at).current;
      const payload: MonthlySummaryPayload = {
        channel,
        month,
        label: monthName(due.year, due.month),
        link: insights.link(q, at),
        incidents: f.overall.incidents,
        resolved: f.overall.resolved,
        acknowledgeMedian: f.overall.acknowledge.median,
        acknowledgeP90: f.overall.acknowledge.p90,
        resolveMedian: f.overall.resolve.median,
        resolveP90: f.overall.resolve.p90,
        pages: f.overall.pages,
        pagesOutOfHours: f.overall.pagesOutOfHours,
        followupsOpened: f.followups.opened,
        followupsClosed: f.followups.closed,
      };
      this.deps.outbox.enqueue(
        {
          kind: MONTHLY_SUMMARY_EFFECT,
          orderingKey: 'insights-summary',
          incidentId: null,
          payload,
          idempotencyKey: `insights-summary:${month}`,
        },
        at,
      );
      return true;
    })();
    if (queued) this.deps.onEnqueued?.();
    return queued ? 'queued' : 'already';
  }
}
