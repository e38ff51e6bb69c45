import { describe, expect, it } from 'vitest';
import { baseChannelName, candidateName, datePart, isLegalChannelName } from '../../src/slack/channel-name.ts';
import { slugify } from '../../src/text/slugify.ts';

const name = (title: string, incidentId = 1) =>
  baseChannelName({ prefix: 'inc', title, incidentId, declaredAt: Date.UTC(2026, 10, 25, 3, 0), timeZone: 'UTC' });

describe('incident channel names', () => {
  it('is inc-YYYYMMDD-<slug>', () => {
    expect(name('Checkout is down')).toBe('inc-20261125-checkout-is-down');
  });

  it('uses the team time zone for the date', () => {
    const at = Date.UTC(2026, 10, 25, 3, 0); // 22:00 the day before in New York
    expect(datePart(at, 'America/New_York')).toBe('20261124');
    expect(datePart(at, 'Asia/Tokyo')).toBe('20261125');
  });

  it("turns the date at the zone's midnight, on the days its clocks change and at the turn of a year", () => {
    // Berlin: 2026-03-29 has 23 hours (UTC+1 until 01:00 UTC, then UTC+2); 2026-10-25 has 25.
    expect(datePart(Date.UTC(2026, 2, 28, 22, 59), 'Europe/Berlin')).toBe('20260328');
    expect(datePart(Date.UTC(2026, 2, 28, 23, 0), 'Europe/Berlin')).toBe('20260329');
    expect(datePart(Date.UTC(2026, 2, 29, 21, 59), 'Europe/Berlin')).toBe('20260329');
    expect(datePart(Date.UTC(2026, 2, 29, 22, 0), 'Europe/Berlin')).toBe('20260330');
    expect(datePart(Date.UTC(2026, 9, 25, 22, 59), 'Europe/Berlin')).toBe('20261025');
    expect(datePart(Date.UTC(2026, 9, 25, 23, 0), 'Europe/Berlin')).toBe('20261026');
    // Auckland (UTC+13 in its summer) is in 2027 while UTC is still in 2026.
    expect(datePart(Date.UTC(2026, 11, 31, 10, 59), 'Pacific/Auckland')).toBe('20261231');
    expect(datePart(Date.UTC(2026, 11, 31, 11, 0), 'Pacific/Auckland')).toBe('20270101');
  });

  it('refuses a zone that does not exist rather than guess a date', () => {
    expect(() => datePart(Date.UTC(2026, 10, 25), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('folds accents and drops what Slack cannot spell', () => {
    expect(slugify('Crème brûlée — Señor Ünïcödé 🔥')).toBe('creme-brulee-senor-unicode');
    expect(slugify('"quotes" | pipes {braces}')).toBe('quotes-pipes-braces');
  });

  it('falls back to the incident number when nothing is left', () => {
    expect(name('🔥🔥🔥', 42)).toBe('inc-20261125-incident-42');
    expect(name('', 7)).toBe('inc-20261125-incident-7');
  });

  it('keeps within 80 characters, cutting at a word, leaving room for a suffix', () => {
    const n = name('the primary postgres cluster in eu-west-1 is refusing connections from every api pod');
    expect(n.length).toBeLessThanOrEqual(76);
    expect(n).toBe('inc-20261125-the-primary-postgres-cluster-in-eu-west-1-is-refusing');
    expect(candidateName(n, 98).length).toBeLessThanOrEqual(80);
    expect(isLegalChannelName(candidateName(n, 98))).toBe(true);
  });

  it('cuts a single very long word hard rather than produce an illegal name', () => {
    const n = name('a'.repeat(10_000));
    expect(n.length).toBe(76);
    expect(isLegalChannelName(n)).toBe(true);
  });

  it('suffixes -2, -3 … after name_taken', () => {
    expect([0, 1, 2].map((i) => candidateName('inc-x', i))).toEqual(['inc-x', 'inc-x-2', 'inc-x-3']);
  });
});
