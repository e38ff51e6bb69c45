import { beforeEach, describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { computeFigures } from '../../src/insights/figures.ts';
import { InsightsRepository } from '../../src/insights/insights-repository.ts';
import { isUserId } from '../../src/lib/slack-ids.ts';
import { useBot, type Harness } from '../helpers/test-bot.ts';
import { computeFollowupFigures } from '../../src/insights/followup-figures.ts';
import { ALICE, MIN, RANGE, seedFollowups, seedHistory, TIME_ZONE } from './seeded-history.ts';

const TOKEN = 'insights-token-0123456789abcdef0123456789';
const DAY = 86_400_000;

/** The signed link `/incident stats` hands out, pointed at this bot. */
async function linkFrom(h: Harness, args = '90d'): Promise<URL> {
  const res = await h.bot.command(`stats ${args}`);
  const blocks = (res.body as { blocks: { text: { text: string } }[] }).blocks;
  const url = /^<([^|]+)\|/.exec(blocks.at(-1)!.text.text)![1]!.replaceAll('&amp;', '&');
  const link = new URL(url);
  return new URL(`${link.pathname}${link.search}`, h.bot.app.url);
}
const get = async (url: URL | string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
};
const withPath = (url: URL, path: string) => new URL(`${path}${url.search}`, url);

describe('the insights page and its exports', () => {
  const h = useBot({ settings: `timezone: ${TIME_ZONE}\n`, clock: true, env: { INSIGHTS_TOKEN: TOKEN } });
  beforeEach(() => {
    h.clock.now = RANGE.to;
    seedFollowups(h.bot.app.db, seedHistory(h.bot.app.db));
  });

  it('opens with the link /incident stats hands out: server-drawn charts, no scripts, nothing external', async () => {
    const page = await get(await linkFrom(h));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.headers.get('cache-control')).toBe('no-store, private');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.text).not.toMatch(/<script|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const chart of [
      'Median time to acknowledge per month',
      'Median time to resolve per month',
      'Incidents per severity',
      'Incidents per service',
      'Pages per person paged',
      'Pages by hour of day',
      'Follow-up burn-down',
      'Follow-ups opened and closed per month',
    ]) {
      expect(page.text).toContain(`aria-label="${chart}"`);
    }
    // Golden figures in the headline table: TTA median 4m, p90 15m; per month bars; Alice's 3 pages.
    expect(page.text).toContain('<td>Time to acknowledge, median · p90</td><td>4m · 15m</td>');
    expect(page.text).toMatch(/>2026-02<\/text><rect [^>]*\/><text [^>]*>6m<\/text>/);
    expect(page.text).toContain(`>${ALICE}</text>`);
    expect(page.text).toContain('3 (2 out of hours)');
    // Follow-ups (counted by hand in figures.test.ts): 6 opened, 3 closed, 3 open; 91 days burned down.
    expect(page.text).toContain('<td>Follow-ups</td><td>6 opened · 3 closed · 3 open at the end</td>');
    expect(page.text.match(/<title>2026-\d\d-\d\d — \d+ open<\/title>/g)).toHaveLength(91);
    expect(page.text).toContain('<title>2026-01-12 — 3 open</title>');
    expect(page.text).toMatch(/>2026-01 opened<\/text><rect [^>]*\/><text [^>]*>3<\/text>/);
  });

  it('refuses without a signature, with a tampered one, and once the link is a day old', async () => {
    const link = await linkFrom(h);
    expect((await get(new URL('/insights', h.bot.app.url))).status).toBe(401);
    const tampered = new URL(link);
    tampered.searchParams.set('period', '7d');
    expect(await get(tampered)).toMatchObject({ status: 401, text: expect.stringContaining('not valid') });
    const longer = new URL(link);
    longer.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + DAY));
    expect((await get(longer)).status).toBe(401);
    h.clock.now += DAY - 1;
    expect((await get(link)).status).toBe(200);
    h.clock.now += 1;
    const expired = await get(link);
    expect(expired).toMatchObject({ status: 403, text: expect.stringContaining('expired') });
    expect((await get(withPath(link, '/insights.json'))).status).toBe(403);
  });

  it('opens for tools with Authorization: Bearer INSIGHTS_TOKEN, and not with another token', async () => {
    const url = new URL('/insights.json?period=90d', h.bot.app.url);
    expect((await get(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(url, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect(
      (await get(new URL('/insights.json?period=5y', h.bot.app.url), { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(400);
  });

  it('JSON has exactly the golden figures', async () => {
    const res = await get(withPath(await linkFrom(h), '/insights.json'));
    expect(res.status).toBe(200);
    type Body = ReturnType<typeof computeFigures> & { followups: ReturnType<typeof computeFollowupFigures> };
    const body = JSON.parse(res.text) as { current: Body; period: string };
    expect(body.period).toBe('the last 90 days');
    const golden = computeFigures(new InsightsRepository(h.bot.app.db), RANGE, {
      timeZone: TIME_ZONE,
      isPerson: isUserId,
    });
    const followups = computeFollowupFigures(new InsightsRepository(h.bot.app.db), RANGE, { timeZone: TIME_ZONE });
    expect(body.current).toEqual({ ...golden, followups });
    expect(body.current.followups).toMatchObject({ openAtStart: 0, opened: 6, closed: 3, openAtEnd: 3 });
    expect(body.current.overall.acknowledge).toEqual({
      n: 7,
      median: 4 * MIN,
      p90: 15 * MIN,
      mean: Math.round((41 * MIN) / 7),
    });
    expect(body.current.overall).toMatchObject({ incidents: 7, resolved: 6, pages: 6, pagesOutOfHours: 5 });
  });

  it('CSV has the same figures, one row per group', async () => {
    const res = await get(withPath(await linkFrom(h), '/insights.csv'));
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = res.text
      .trim()
      .split('\r\n')
      .map((r) => r.split(','));
    const header = rows[0]!;
    const find = (period: string, grouping: string, key: string) => {
      const row = rows.find((r) => r[0] === period && r[1] === grouping && r[2] === key)!;
      return Object.fromEntries(header.map((h, i) => [h, row[i]]));
    };
    expect(find('current', 'overall', 'all')).toMatchObject({
      incidents: '7',
      resolved: '6',
      acknowledge_median_ms: String(4 * MIN),
      acknowledge_p90_ms: String(15 * MIN),
      resolve_median_ms: String(45 * MIN),
      resolve_p90_ms: String(180 * MIN),
      duration_mean_ms: String(85 * MIN),
      pages: '6',
      pages_out_of_hours: '5',
    });
    expect(find('current', 'month', '2026-02')).toMatchObject({ acknowledge_median_ms: String(6 * MIN) });
    expect(find('current', 'person', ALICE)).toMatchObject({ pages: '3', pages_out_of_hours: '2' });
    expect(find('current', 'hour', '3')).toMatchObject({ pages: '2' });
    expect(find('previous', 'overall', 'all')).toMatchObject({ incidents: '0' });
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    expect(find('current', 'followups', 'all')).toMatchObject({
      followups_opened: '6',
      followups_closed: '3',
      followups_open: '3',
      incidents: '',
    });
    expect(find('current', 'followups_month', '2026-04')).toMatchObject({
      followups_opened: '1',
      followups_closed: '0',
    });
    expect(find('current', 'followups_week', '2026-W04')).toMatchObject({
      followups_opened: '0',
      followups_closed: '1',
    });
    expect(find('current', 'followups_day', '2026-02-10')).toMatchObject({ followups_open: '2' });
    expect(find('current', 'month', '2026-01')).toMatchObject({ followups_opened: '' });
  });

  it('escapes what a paging system named: in the page, the SVG and against spreadsheet formulas in the CSV', async () => {
    const repo = new IncidentRepository(h.bot.app.db);
    for (const service of ['<img src=x onerror=alert(1)>"', '=HYPERLINK("http://evil","x")']) {
      repo.insert({
        title: 'hostile',
        description: null,
        severity: 'sev2',
        source: 'pagerduty',
        externalId: service,
        declaredBy: 'pagerduty',
        declaredAt: RANGE.to - DAY,
        serviceName: service,
      });
    }
    const link = await linkFrom(h);
    const page = await get(link);
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;');
    const csv = (await get(withPath(link, '/insights.csv'))).text;
    expect(csv).toContain(`current,service,"'=HYPERLINK(""http://evil"",""x"")",1,`);
    expect(csv).not.toMatch(/,=HYPERLINK/);
  });
});
