import type { Db } from '../../src/db/open.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { PostmortemRepository } from '../../src/incidents/postmortem-repository.ts';
import type { Severity } from '../../src/incidents/types.ts';

/**
 * A hand-made history for the golden insights tests: three months of 2026 in Europe/Berlin (UTC+1
 * then), three severities, two services and none, pages by day and by night, a reopen, an incident
 * still open, and one outside the range. Every expected figure in the tests is counted by hand from
 * this table (minutes after the start unless said).
 */
export const TIME_ZONE = 'Europe/Berlin';
export const MIN = 60_000;
export const RANGE = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 3, 1) };

export const ALICE = 'UALICE01';
export const BOB = 'UBOB0001';
export const CAROL = 'UCAROL01';
export const DAVE = 'UDAVE001';

interface Seed {
  at: number;
  severity: Severity;
  source: string;
  service: string | null;
  status: 'monitoring' | 'resolved';
  /** [minutes after start, kind, actor, data] */
  events: [number, string, string | null, Record<string, unknown>?][];
}

const paged = (service: string) => ({ source: 'pagerduty', service });

export const SEEDS: Seed[] = [
  // I1 Mon 2026-01-05 11:00 Berlin: in hours. TTA 4, TTM 20, TTR 50, duration 50; responders Alice, Bob.
  {
    at: Date.UTC(2026, 0, 5, 10, 0),
    severity: 'sev1',
    status: 'resolved',
    ...paged('checkout'),
    events: [
      [0, 'paged', 'PD Alice', paged('checkout')],
      [1, 'role_assigned', null, { role: 'commander', user: ALICE }],
      [1, 'role_assigned', null, { role: 'comms', user: BOB }],
      [4, 'acknowledged', ALICE, { via: 'slack' }],
      [20, 'mitigated', ALICE],
      [50, 'resolved', ALICE, { via: 'slack' }],
    ],
  },
  // I2 Sat 2026-01-10 03:30 Berlin: two pages at night (03:30, 03:35). TTA 10, TTR 90; responders Bob.
  {
    at: Date.UTC(2026, 0, 10, 2, 30),
    severity: 'sev2',
    status: 'resolved',
    ...paged('checkout'),
    events: [
      [0, 'paged', 'PD Bob', paged('checkout')],
      [1, 'role_assigned', null, { role: 'commander', user: BOB }],
      [5, 'linked', 'PD Bob', { external_id: 'Q2' }],
      [10, 'acknowledged', 'Bob B', { via: 'pagerduty' }],
      [90, 'resolved', BOB, { via: 'slack' }],
    ],
  },
  // I3 Wed 2026-01-21 14:00 Berlin, declared in Slack, no service: TTA 2, TTM 30, TTR 45, reopened,
  // resolved again at 120 (duration 120); responders Carol, Dave.
  {
    at: Date.UTC(2026, 0, 21, 13, 0),
    severity: 'sev3',
    source: 'slack',
    service: null,
    status: 'resolved',
    events: [
      [0, 'declared', CAROL, { severity: 'sev3', source: 'slack' }],
      [0, 'role_assigned', CAROL, { role: 'commander', user: CAROL }],
      [2, 'acknowledged', CAROL, { via: 'slack' }],
      [10, 'note', DAVE],
      [30, 'mitigated', CAROL],
      [45, 'resolved', CAROL, { via: 'slack' }],
      [60, 'reopened', CAROL, { via: 'slack' }],
      [120, 'resolved', CAROL, { via: 'slack' }],
    ],
  },
  // I4 Sat 2026-01-31 23:30 UTC = Sun 2026-02-01 00:30 Berlin: February and week 05 locally, out of
  // hours. TTA 6, TTR 40; responders Alice.
  {
    at: Date.UTC(2026, 0, 31, 23, 30),
    severity: 'sev2',
    status: 'resolved',
    ...paged('search'),
    events: [
      [0, 'paged', 'PD Alice', paged('search')],
      [1, 'role_assigned', null, { role: 'commander', user: ALICE }],
      [6, 'acknowledged', ALICE, { via: 'slack' }],
      [40, 'resolved', ALICE, { via: 'slack' }],
    ],
  },
  // I5 Mon 2026-02-16 08:00 Berlin (before 09:00: out of hours), nobody found to page: unassigned.
  // TTA 15, TTM 25, TTR 180, all by PagerDuty names: no responders.
  {
    at: Date.UTC(2026, 1, 16, 7, 0),
    severity: 'sev1',
    status: 'resolved',
    ...paged('search'),
    events: [
      [0, 'paged', 'PD Someone', paged('search')],
      [15, 'acknowledged', 'PD Someone', { via: 'pagerduty' }],
      [25, 'mitigated', 'PD Someone'],
      [180, 'resolved', 'PD Someone', { via: 'pagerduty' }],
    ],
  },
  // I6 Mon 2026-03-02 09:00 Berlin, from an alert (declared, not by Slack), still open: TTA 3, TTM 8.
  {
    at: Date.UTC(2026, 2, 2, 8, 0),
    severity: 'sev3',
    source: 'alertmanager',
    service: 'checkout',
    status: 'monitoring',
    events: [
      [0, 'declared', 'alertmanager', { severity: 'sev3', source: 'alertmanager' }],
      [3, 'acknowledged', DAVE, { via: 'slack' }],
      [8, 'mitigated', DAVE],
    ],
  },
  // I7 Fri 2026-03-20 18:59 Berlin (after 18:00: out of hours). TTA 1, TTR 30; responders Alice.
  {
    at: Date.UTC(2026, 2, 20, 17, 59),
    severity: 'sev1',
    status: 'resolved',
    ...paged('checkout'),
    events: [
      [0, 'paged', 'PD Alice', paged('checkout')],
      [1, 'role_assigned', null, { role: 'commander', user: ALICE }],
      [1, 'acknowledged', ALICE, { via: 'slack' }],
      [30, 'resolved', ALICE, { via: 'slack' }],
    ],
  },
  // I8 2026-04-10: after the range, must not count anywhere.
  {
    at: Date.UTC(2026, 3, 10, 12, 0),
    severity: 'sev1',
    status: 'resolved',
    ...paged('checkout'),
    events: [
      [0, 'paged', 'PD Alice', paged('checkout')],
      [1, 'role_assigned', null, { role: 'commander', user: ALICE }],
      [2, 'acknowledged', ALICE, { via: 'slack' }],
      [3, 'resolved', ALICE, { via: 'slack' }],
    ],
  },
];

/** Writes the history through the real repository (as the domain would have), plus `shift` ms to every time. */
export function seedHistory(db: Db, shift = 0): number[] {
  const repo = new IncidentRepository(db);
  return SEEDS.map((s, n) => {
    const at = s.at + shift;
    const id = repo.insert({
      title: `Seeded incident ${n + 1}`,
      description: null,
      severity: s.severity,
      source: s.source,
      externalId: s.source === 'pagerduty' ? `SEED${shift}-${n}` : null,
      declaredBy: s.events[0]![2] ?? s.source,
      declaredAt: at,
      serviceName: s.service,
    });
    for (const [minutes, kind, actor, data] of s.events) {
      repo.appendEvent({ incidentId: id, at: at + minutes * MIN, kind, actor, data: data ?? {} });
    }
    const last = s.events.filter((e) => e[1] === 'resolved').at(-1);
    repo.update(id, { status: s.status, ...(last ? { resolvedAt: at + last[0] * MIN } : {}) }, at);
    return id;
  });
}

/**
 * Follow-ups of the seeded incidents (F1–F8 in the tests), with their GitHub issues' state as the
 * state job would have stored it. UTC times; Berlin is UTC+1 until 29 March, UTC+2 after.
 */
export const FOLLOWUP_SEEDS: { incident: number | 'private'; created: number; closed: number | null }[] = [
  // F1 I1, Mon 5 Jan 13:00 Berlin (W02), closed Tue 20 Jan 11:00 (W04): 358 h.
  { incident: 0, created: Date.UTC(2026, 0, 5, 12, 0), closed: Date.UTC(2026, 0, 20, 10, 0) },
  // F2 I1, Mon 5 Jan 13:30 (W02), closed Tue 10 Feb 10:00 (W07): 860.5 h.
  { incident: 0, created: Date.UTC(2026, 0, 5, 12, 30), closed: Date.UTC(2026, 1, 10, 9, 0) },
  // F3 I2, Mon 12 Jan 10:00 (W03), open.
  { incident: 1, created: Date.UTC(2026, 0, 12, 9, 0), closed: null },
  // F4 I4 (search), Mon 2 Feb 11:00 (W06), closed Tue 10 Mar 11:00 (W11): 864 h.
  { incident: 3, created: Date.UTC(2026, 1, 2, 10, 0), closed: Date.UTC(2026, 2, 10, 10, 0) },
  // F5 I6 (sev3), Tue 3 Mar 11:00 (W10), open.
  { incident: 5, created: Date.UTC(2026, 2, 3, 10, 0), closed: null },
  // F6 I7, Tue 31 Mar 22:30 UTC = Wed 1 April 00:30 Berlin (W14, April and Q2 locally), open.
  { incident: 6, created: Date.UTC(2026, 2, 31, 22, 30), closed: null },
  // F7 a private incident's, opened and closed in February: never counted.
  { incident: 'private', created: Date.UTC(2026, 1, 20, 12, 0), closed: Date.UTC(2026, 1, 25, 12, 0) },
  // F8 I8 (after the range), 10 April: never counted in the range.
  { incident: 7, created: Date.UTC(2026, 3, 10, 13, 0), closed: null },
];

/** Writes FOLLOWUP_SEEDS for the incidents seedHistory returned (and one private incident). */
export function seedFollowups(db: Db, incidentIds: number[]): void {
  const incidents = new IncidentRepository(db);
  const postmortems = new PostmortemRepository(db);
  const privateId = incidents.insert({
    title: 'Seeded private incident',
    description: null,
    severity: 'sev1',
    source: 'slack',
    externalId: null,
    declaredBy: ALICE,
    declaredAt: Date.UTC(2026, 1, 20, 10, 0),
    serviceName: 'checkout',
    private: true,
  });
  FOLLOWUP_SEEDS.forEach((f, n) => {
    const id = postmortems.addFollowup({
      incidentId: f.incident === 'private' ? privateId : incidentIds[f.incident]!,
      text: `Seeded follow-up ${n + 1}`,
      owner: null,
      createdBy: ALICE,
      createdAt: f.created,
    });
    postmortems.setIssue(id, 100 + n, `https://github.test/acme/postmortems/issues/${100 + n}`);
    const state = f.closed === null ? 'open' : 'closed';
    postmortems.setIssueState(id, { state, closedAt: f.closed, etag: null }, f.closed ?? f.created);
  });
}
