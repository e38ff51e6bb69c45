import type { TimelineEvent } from '../incidents/types.ts';

/**
 * What the insights read of one incident's timeline, kept event by event as the timeline grows, so
 * a figure never needs the timeline itself (reading every event of every incident in a period was
 * most of the time of `/incident stats`). Plain TypeScript: what is stored where is the repository's.
 *
 * Events are counted in the order they are appended; the timeline's order is by time, then by the
 * order of appending, so a late event (PagerDuty's acknowledgement arriving after the resolution)
 * that happened earlier than one already counted takes its place as the first, and one at the same
 * instant does not.
 */
export interface IncidentTally {
  /** The first `acknowledged`, `mitigated` and `resolved` events, and the last `resolved` one. */
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  firstResolvedAt: number | null;
  lastResolvedAt: number | null;
  /** Whether a page opened it (a `paged` event). */
  paged: boolean;
  /** The first `declared` event: when, and whether it was declared in Slack (else an alert). */
  declaredEventAt: number | null;
  declaredInSlack: boolean;
  /** The first commander a page named (a `role_assigned` commander that no person made): when, and whom. */
  pagerAt: number | null;
  pager: string | null;
  /** When each page (`paged`) and joining page (`linked`) came, in time order. */
  pageTimes: number[];
  /** Every actor and every user given a role, once each; which of them are people is decided when read. */
  names: string[];
}

export type TallyEvent = Pick<TimelineEvent, 'at' | 'kind' | 'actor' | 'data'>;

export const emptyTally = (): IncidentTally => ({
  acknowledgedAt: null,
  mitigatedAt: null,
  firstResolvedAt: null,
  lastResolvedAt: null,
  paged: false,
  declaredEventAt: null,
  declaredInSlack: false,
  pagerAt: null,
  pager: null,
  pageTimes: [],
  names: [],
});

/** Is `at` before the first counted so far (a tie goes to the one counted first)? */
const earlier = (at: number, first: number | null) => first === null || at < first;

type FirstField = 'acknowledgedAt' | 'mitigatedAt' | 'firstResolvedAt';
const FIRST_OF_KIND: Record<string, FirstField> = {
  acknowledged: 'acknowledgedAt',
  mitigated: 'mitigatedAt',
  resolved: 'firstResolvedAt',
};
const PAGE_KINDS = new Set(['paged', 'linked']);

/** Counts one more event into `t` (changed in place); false when the tally did not change. */
export function tallyEvent(t: IncidentTally, e: TallyEvent): boolean {
  const before = JSON.stringify(t);
  const firstField = FIRST_OF_KIND[e.kind];
  if (firstField && earlier(e.at, t[firstField])) t[firstField] = e.at;
  if (e.kind === 'resolved' && (t.lastResolvedAt === null || e.at >= t.lastResolvedAt)) t.lastResolvedAt = e.at;
  if (e.kind === 'paged') t.paged = true;
  if (e.kind === 'declared' && earlier(e.at, t.declaredEventAt)) {
    t.declaredEventAt = e.at;
    t.declaredInSlack = e.data.source === 'slack';
  }
  if (PAGE_KINDS.has(e.kind)) {
    const i = t.pageTimes.findIndex((at) => at > e.at);
    t.pageTimes.splice(i === -1 ? t.pageTimes.length : i, 0, e.at);
  }
  const user = e.kind === 'role_assigned' && typeof e.data.user === 'string' ? e.data.user : null;
  if (e.kind === 'role_assigned' && e.actor === null && e.data.role === 'commander' && earlier(e.at, t.pagerAt)) {
    t.pagerAt = e.at;
    t.pager = user;
  }
  for (const name of [e.actor, user]) if (name !== null && !t.names.includes(name)) t.names.push(name);
  return JSON.stringify(t) !== before;
}

/** The tally of a whole timeline (in the order its events were appended). */
export function tallyOf(events: readonly TallyEvent[]): IncidentTally {
  const t = emptyTally();
  for (const e of events) tallyEvent(t, e);
  return t;
}
