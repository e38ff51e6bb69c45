import { beforeEach, describe, expect, it } from 'vitest';
import { useBot, type Harness } from '../helpers/test-bot.ts';
import { ALICE, RANGE, seedHistory, TIME_ZONE } from './seeded-history.ts';

interface Answer {
  response_type?: string;
  text?: string;
  blocks?: { type: string; text: { type: string; text: string } }[];
}
const stats = async (h: Harness, args: string) => {
  const res = await h.bot.command(`stats ${args}`.trim());
  expect(res.status).toBe(200);
  return res.body as Answer;
};
const sections = (a: Answer) => (a.blocks ?? []).map((b) => b.text.text);

describe('/incident stats', () => {
  const h = useBot({ settings: `timezone: ${TIME_ZONE}\n`, clock: true });
  beforeEach(() => {
    h.clock.now = RANGE.to; // 2026-04-01 00:00 UTC
    seedHistory(h.bot.app.db);
  });

  it('answers privately with the headline figures of the last 30 days against the 30 before, and a signed link', async () => {
    const a = await stats(h, '30d');
    expect(a.response_type).toBe('ephemeral');
    // Current (2 Mar – 1 Apr): I6, I7. TTA 3,1 → median 1m, p90 3m; TTR 30. Before (31 Jan – 2 Mar):
    // I4, I5: TTA 6,15 → median 6m; TTR 40,180 → median 40m; 2 pages.
    expect(sections(a).slice(0, 6)).toEqual([
      '*Incidents, the last 30 days*',
      '*Incidents*: 2, 1 resolved (same as before (2))',
      '*Time to acknowledge*: median 1m, p90 3m (▼ 5m from 6m)',
      '*Time to resolve*: median 30m, p90 30m (▼ 10m from 40m)',
      '*Pages*: 1, 1 out of hours (▼ 1 from 2)',
      `*Most paged*: <@${ALICE}> 1`,
    ]);
    const link = /^<(http:\/\/[^|]+)\|Open the insights page \(link valid 24 h\)>$/.exec(sections(a)[6]!);
    expect(link).not.toBeNull();
    const url = new URL(link![1]!.replaceAll('&amp;', '&'));
    expect(url.pathname).toBe('/insights');
    expect(url.searchParams.get('period')).toBe('30d');
    expect(Number(url.searchParams.get('exp'))).toBe(RANGE.to + 24 * 3600_000);
    expect(url.searchParams.get('sig')).toMatch(/^[\w-]{43}$/);
    // The text fallback says the same.
    expect(a.text).toContain('*Time to acknowledge*: median 1m, p90 3m (▼ 5m from 6m)');
  });

  it('leaves private incidents out: their existence is for their people only', async () => {
    const db = h.bot.app.db;
    const latest = db
      .prepare('SELECT id FROM incidents WHERE declared_at < ? ORDER BY declared_at DESC LIMIT 1')
      .pluck()
      .get(RANGE.to) as number;
    db.prepare('UPDATE incidents SET is_private = 1 WHERE id = ?').run(latest);
    const a = await stats(h, '30d');
    expect(sections(a)[1]).toMatch(/^\*Incidents\*: 1, /);
  });

  it('defaults to 30 days; filters by severity and service, in any order and case', async () => {
    expect(sections(await stats(h, ''))[0]).toBe('*Incidents, the last 30 days*');
    // 90 days = the whole seeded quarter; sev1 at checkout: I1, I7 (TTA 4, 1 → median 1m, p90 4m).
    const a = await stats(h, 'Checkout sev1 90d');
    expect(sections(a).slice(0, 3)).toEqual([
      '*Incidents, the last 90 days* (SEV1, Checkout)',
      '*Incidents*: 2, 2 resolved (▲ 2 from 0)',
      '*Time to acknowledge*: median 1m, p90 4m (nothing to compare with)',
    ]);
    expect(sections(a).at(-1)).toContain('sev=sev1&amp;service=Checkout');
  });

  it('the quarter is the calendar quarter so far in the team time zone', async () => {
    h.clock.now = Date.UTC(2026, 2, 31, 12, 0);
    const a = await stats(h, 'quarter');
    expect(sections(a).slice(0, 2)).toEqual([
      '*Incidents, this quarter (2026-Q1) so far*',
      '*Incidents*: 7, 6 resolved (▲ 7 from 0)',
    ]);
  });

  it.each([
    ['14d', '`14d` is not a period or severity'],
    ['sev9', '`sev9` is not a period or severity'],
    ['7d 30d', 'Give one period, not `7d` and `30d`'],
    ['<script>', 'is not a service name'],
    [
      'nosuch',
      'No incidents from nosuch in this period or the one before. Services with incidents then: checkout, search.',
    ],
    ['a b c d e f g h i j k l m', 'At most 12 words'],
  ])('refuses %s with a clear private error', async (args, message) => {
    const a = await stats(h, args);
    expect(a.response_type).toBe('ephemeral');
    expect(a.text).toContain(message);
    expect(a.text).toContain('Usage: `/incident stats [7d|30d|90d|quarter] [sev1…] [service…]`');
  });

  it('is listed in help', async () => {
    const res = await h.bot.command('help');
    expect((res.body as Answer).text).toContain('stats [7d|30d|90d|quarter] [sev1…] [service…]');
  });
});
