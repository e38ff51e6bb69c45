import { RE2JS } from 're2js';
import type { AutomationWhen, EventFacts } from './types.ts';

/** A filter says why the event matched (for the timeline), or null when it does not. */
type Filter<K extends keyof AutomationWhen> = (
  want: NonNullable<AutomationWhen[K]>,
  facts: EventFacts,
  what: string,
) => string | null;

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const oneOf = (label: string, want: string | string[], got: string | null, what: string) =>
  got !== null && list(want).includes(got) ? `${what}'s ${label} is ${got}` : null;

/** Titles are matched on their first characters only: the pattern's cost was bounded for this length. */
export const TITLE_MATCH_MAX_INPUT = 1_000;
const compiled = new Map<string, RE2JS>();
const regex = (source: string): RE2JS => {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = RE2JS.compile(source)));
  return re;
};

/** The optional filters of `when:`; all that are given must match. */
export const FILTERS: { [K in keyof AutomationWhen]?: Filter<K> } = {
  service: (want, f, what) => oneOf('service', want, f.service, what),
  urgency: (want, f, what) => oneOf('urgency', want, f.urgency, what),
  priority: (want, f, what) => oneOf('priority', want, f.priority, what),
  severity: (want, f) => (list(want).includes(f.severity) ? `the severity is ${f.severity}` : null),
  // RE2: linear in the title whatever the pattern (the settings refuse one that is not).
  title_matches: (source, f, what) =>
    regex(source).test(f.title.slice(0, TITLE_MATCH_MAX_INPUT)) ? `${what}'s title matched '${source}'` : null,
  labels: (want, f, what) => {
    const pairs = Object.entries(want);
    return pairs.every(([k, v]) => Object.hasOwn(f.labels, k) && f.labels[k] === v)
      ? `${what}'s labels matched ${pairs.map(([k, v]) => `${k}=${v}`).join(', ')}`
      : null;
  },
};

/** Why the event matches every filter given, or null when one does not match. */
export function matches(when: AutomationWhen, facts: EventFacts, what: string): string[] | null {
  const reasons: string[] = [];
  for (const key of Object.keys(FILTERS) as (keyof AutomationWhen)[]) {
    const want = when[key];
    if (want === undefined) continue;
    const reason = (FILTERS[key] as Filter<typeof key>)(want as never, facts, what);
    if (reason === null) return null;
    reasons.push(reason);
  }
  return reasons;
}
