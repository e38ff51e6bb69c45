import type { FakePdUser } from './fake-pagerduty/server.ts';
import type { FakeUser } from './fake-slack/state.ts';

/** The sandbox's people: the same emails in Slack and PagerDuty, as the bot matches them. */
export const SANDBOX_USERS: FakeUser[] = [
  { id: 'U0ALICE01', name: 'alice', email: 'alice@example.com' },
  { id: 'U0BOB0001', name: 'bob', email: 'bob@example.com' },
  { id: 'U0CAROL01', name: 'carol', email: 'carol@example.com' },
  { id: 'U0DAVID01', name: 'david', email: 'david@example.com' },
];

export const SANDBOX_PD_USERS: FakePdUser[] = [
  { id: 'PALICE1', name: 'Alice Anders', email: 'alice@example.com' },
  { id: 'PBOB001', name: 'Bob Berg', email: 'bob@example.com' },
];

/** Who gets paged, in turn, and what fired: realistic alerts from a few services. */
export const ALERTS = [
  {
    title: '5xx rate above 5% for 5 minutes',
    service: { id: 'PSVC001', name: 'Checkout API' },
    priority: 'P2',
    urgency: 'high' as const,
  },
  {
    title: 'Card authorisations failing in EU',
    service: { id: 'PSVC002', name: 'Payments' },
    priority: 'P1',
    urgency: 'high' as const,
  },
  {
    title: 'p99 latency above 2 s',
    service: { id: 'PSVC003', name: 'Search' },
    priority: 'P3',
    urgency: 'low' as const,
  },
];

/**
 * Pages the console can send by name rather than in turn: `disk` matches the sandbox's example
 * automation (templates/sandbox/settings.yaml), so a newcomer sees a runbook run with nobody typing.
 */
export const PAGE_PRESETS = {
  disk: {
    title: 'Root volume disk usage above 90% on db-1',
    service: { id: 'PSVC004', name: 'Orders database' },
    priority: 'P2',
    urgency: 'high' as const,
  },
};
export type PagePreset = keyof typeof PAGE_PRESETS;

/** The channel people declare from, as in any workspace. */
export const GENERAL = { id: 'C0GENERAL', name: 'general' };
