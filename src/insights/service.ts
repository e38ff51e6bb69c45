import type { Severity } from '../incidents/types.ts';
import {
  computeFigures,
  FiguresBuilder,
  NO_SERVICE,
  type Figures,
  type InsightsSource,
  type TimeRange,
} from './figures.ts';
import { computeFollowupFigures, type FollowupFigures, type FollowupSource } from './followup-figures.ts';
import { periodRanges, type Period, type PeriodRanges } from './periods.ts';
import { LINK_TTL_MS, signLink } from './signed-link.ts';

/** What someone asked to see: a period, and optionally only some severities and services. */
export interface InsightsQuery {
  period: Period;
  severities: Severity[];
  services: string[];
}

/** The incidents' figures and the follow-ups' over the same range and filters. */
export type InsightsFigures = Figures & { followups: FollowupFigures };

export interface Comparison {
  ranges: PeriodRanges;
  current: InsightsFigures;
  previous: InsightsFigures;
}

export interface InsightsDeps {
  source: InsightsSource & FollowupSource & { services(range: TimeRange): (string | null)[] };
  timeZone: string;
  isPerson: (actor: string) => boolean;
  /** Signs the page links handed out in chat (see signed-link.ts for where it comes from). */
  linkKey: Buffer;
  /** Where people reach the bot: the page link starts with it. */
  publicUrl: string;
}

/** Insights for the edges: figures for a query, its comparison with the period before, and a signed page link. */
export class InsightsService {
  constructor(private readonly deps: InsightsDeps) {}

  get timeZone(): string {
    return this.deps.timeZone;
  }

  figures(
    range: TimeRange,
    q: Pick<InsightsQuery, 'severities' | 'services'>,
    source: InsightsSource & FollowupSource = this.deps.source,
  ): InsightsFigures {
    const { timeZone, isPerson } = this.deps;
    const filters = { timeZone, severities: q.severities, services: q.services };
    return {
      ...computeFigures(source, range, { ...filters, isPerson }),
      followups: computeFollowupFigures(source, range, filters),
    };
  }

  /**
   * Both periods from one read of the database (the span covering both, narrowed to the filters),
   * each incident counted into its period as it is read and then dropped.
   */
  compare(q: InsightsQuery, now: number): Comparison {
    const ranges = periodRanges(q.period, now, this.deps.timeZone);
    const span = {
      from: Math.min(ranges.previous.from, ranges.current.from),
      to: Math.max(ranges.previous.to, ranges.current.to),
    };
    const { timeZone, isPerson } = this.deps;
    const filters = { timeZone, severities: q.severities, services: q.services };
    const builders = [ranges.current, ranges.previous].map((r) => new FiguresBuilder(r, { ...filters, isPerson }));
    for (const h of this.deps.source.incidents(span, q)) {
      const at = h.incident.declaredAt;
      for (const b of builders) if (at >= b.range.from && at < b.range.to) b.add(h);
    }
    const followups = readFollowupsOnce(this.deps.source, span);
    const [current, previous] = builders.map((b) => ({
      ...b.figures(),
      followups: computeFollowupFigures(followups, b.range, filters),
    }));
    return { ranges, current: current!, previous: previous! };
  }

  /** Services that had incidents in the query's period or the one before (to name them when a filter matches none). */
  knownServices(q: InsightsQuery, now: number): string[] {
    const ranges = periodRanges(q.period, now, this.deps.timeZone);
    // Names only: asked of the database, not computed from every incident's figures.
    const names = [ranges.previous, ranges.current].flatMap((r) => this.deps.source.services(r));
    return [...new Set(names.map((n) => n ?? NO_SERVICE))].sort();
  }

  /** The query as URL parameters (the page reads the same ones). */
  static params(q: InsightsQuery): Record<string, string> {
    return {
      period: q.period,
      ...(q.severities.length ? { sev: q.severities.join(',') } : {}),
      ...(q.services.length ? { service: q.services.join(',') } : {}),
    };
  }

  /** A link to the page for this query, good for 24 hours. */
  link(q: InsightsQuery, now: number, path = '/insights'): string {
    const params = InsightsService.params(q);
    const exp = now + LINK_TTL_MS;
    const sig = signLink(this.deps.linkKey, params, exp);
    const search = new URLSearchParams({ ...params, exp: String(exp), sig });
    return `${this.deps.publicUrl}${path}?${search.toString()}`;
  }
}

/** A follow-up source that reads `span` once and answers any range inside it from memory. */
function readFollowupsOnce(source: FollowupSource, span: TimeRange): FollowupSource {
  const followups = source.followups(span);
  return {
    // As the repository: opened before the range's end and not closed before its start.
    followups: (r) => followups.filter((f) => f.createdAt < r.to && !(f.closedAt !== null && f.closedAt < r.from)),
  };
}
