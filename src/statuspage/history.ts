import { COMPONENT_STATUSES, type ComponentStatus } from '../incidents/types.ts';
import { startOfDay } from '../lib/time-zone.ts';
import type { ComponentHistoryRepository } from './history-repository.ts';
import { HISTORY_DAYS, publicComponents, type PublicIncident, type StatusContext } from './model.ts';

const DAY = 86_400_000;
const rank = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);
/**
 * How much of each status counts as down, as Statuspage counts it: a major outage wholly, a partial
 * one at 30 %; degraded performance and planned maintenance count as up.
 */
const DOWN: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 0,
  partial_outage: 0.3,
  major_outage: 1,
};

/**
 * Records a row whenever a component's public status differs from the last one recorded. Called
 * after every committed change that may move one, and at start (which catches up after a crash).
 */
export function historyRecorder(
  ctx: StatusContext,
  repo: ComponentHistoryRepository,
  /** Called inside the recording transaction for each change after the first record (webhooks). */
  onChange?: (change: {
    id: number;
    componentId: string;
    old: ComponentStatus;
    new: ComponentStatus;
    at: number;
  }) => void,
) {
  return (): number =>
    // No components, nothing to record: not even the reads (this runs after every turn that committed a change).
    ctx.components.length === 0
      ? 0
      : repo.transaction(() => {
          const last = new Map(repo.latest().map((r) => [r.componentId, r.status]));
          const now = ctx.now();
          let added = 0;
          for (const c of publicComponents(ctx)) {
            const old = last.get(c.id);
            if (old === c.status) continue;
            const id = repo.add({ componentId: c.id, status: c.status, at: now });
            if (old !== undefined) onChange?.({ id, componentId: c.id, old, new: c.status, at: now });
            added++;
          }
          return added;
        });
}

export interface DayBar {
  /** Midnight, in the page's time zone. */
  day: number;
  /** The worst status that day; null before anything was recorded for the component. */
  status: ComponentStatus | null;
  incidents: string[];
}

export interface ComponentUptime {
  id: string;
  days: DayBar[];
  /** Percent up over the recorded part of the window, null when nothing is recorded yet. */
  uptime: number | null;
}

/**
 * The last 90 days per component, oldest first: each day's worst status, the incidents that
 * touched the component that day, and the uptime over the window.
 */
export function uptimeHistory(
  ctx: StatusContext,
  repo: ComponentHistoryRepository,
  incidents: PublicIncident[],
): Map<string, ComponentUptime> {
  const now = ctx.now();
  const today = startOfDay(ctx.timeZone, now);
  // Days are walked by their midnights, which a DST change moves by an hour: each is found anew.
  const days: number[] = [today];
  while (days.length < HISTORY_DAYS) days.unshift(startOfDay(ctx.timeZone, days[0]! - DAY / 2));
  const from = days[0]!;
  // Each component's changes and incidents, sorted out once: asking every incident on every day of
  // every component cost the page most of its render with a thousand incidents and ten components.
  const changes = groupBy(repo.window(from), (r) => [r.componentId]);
  const touching = groupBy(incidents, (inc) => inc.components);
  const out = new Map<string, ComponentUptime>();
  for (const c of ctx.components) {
    const list = changes.get(c.id) ?? [];
    const its = touching.get(c.id) ?? [];
    // Spans of one status: [start, end) from each change to the next; the current one lasts
    // through now, so a status that began this very moment still colours today.
    const spans = list.map((r, i) => ({
      status: r.status,
      start: Math.max(r.at, from),
      end: i + 1 < list.length ? list[i + 1]!.at : now + 1,
    }));
    let down = 0;
    let known = 0;
    const bars = days.map((day, i): DayBar => {
      const end = i + 1 < days.length ? days[i + 1]! : now + 2;
      let status: ComponentStatus | null = null;
      for (const s of spans) {
        if (Math.min(s.end, end) - Math.max(s.start, day) <= 0) continue;
        if (status === null || rank(s.status) > rank(status)) status = s.status;
      }
      const touched = its.filter((inc) => inc.createdAt < end && (inc.resolvedAt ?? now) >= day);
      return { day, status, incidents: touched.map((inc) => inc.name) };
    });
    for (const s of spans) {
      const length = Math.max(0, Math.min(s.end, now) - s.start);
      known += length;
      down += length * DOWN[s.status];
    }
    out.set(c.id, { id: c.id, days: bars, uptime: known > 0 ? (100 * (known - down)) / known : null });
  }
  return out;
}

/** Items by each of the keys `keysOf` gives them, in their order. */
function groupBy<T>(items: Iterable<T>, keysOf: (item: T) => readonly string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items)
    for (const key of keysOf(item)) {
      const list = out.get(key);
      if (list) list.push(item);
      else out.set(key, [item]);
    }
  return out;
}
