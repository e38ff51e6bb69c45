import { describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';
import { ALICE, MIN, seedHistory } from './seeded-history.ts';

const scrape = async (h: Harness) => (await fetch(`${h.bot.app.url}/metrics`)).text();
/** The value of one sample line, e.g. `incident_bot_time_to_acknowledge_seconds_count{severity="sev1",source="pagerduty"}`. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const TTA = 'incident_bot_time_to_acknowledge_seconds';
const TTR = 'incident_bot_time_to_resolve_seconds';

/** Every seeded figure the metrics must show (all eight seeded incidents: metrics have no range). */
function expectSeeded(text: string) {
  // sev1 pagerduty: I1 4m, I5 15m, I7 1m, I8 2m acknowledged; resolved (first) 50, 180, 30, 3 m.
  expect(sample(text, `${TTA}_count{severity="sev1",source="pagerduty"}`)).toBe(4);
  expect(sample(text, `${TTA}_sum{severity="sev1",source="pagerduty"}`)).toBe((4 + 15 + 1 + 2) * 60);
  expect(sample(text, `${TTA}_bucket{le="300",severity="sev1",source="pagerduty"}`)).toBe(3);
  expect(sample(text, `${TTR}_count{severity="sev1",source="pagerduty"}`)).toBe(4);
  expect(sample(text, `${TTR}_sum{severity="sev1",source="pagerduty"}`)).toBe((50 + 180 + 30 + 3) * 60);
  // I3 was resolved, reopened and resolved again: its time to resolve is the first, 45 min.
  expect(sample(text, `${TTR}_sum{severity="sev3",source="slack"}`)).toBe(45 * 60);
  expect(sample(text, `${TTR}_count{severity="sev3",source="slack"}`)).toBe(1);
  expect(sample(text, 'incident_bot_incidents_declared_total{severity="sev1",source="pagerduty"}')).toBe(4);
  expect(sample(text, 'incident_bot_incidents_declared_total{severity="sev2",source="pagerduty"}')).toBe(2);
  expect(sample(text, 'incident_bot_incidents_declared_total{severity="sev3",source="alertmanager"}')).toBe(1);
  // 6 pages opened incidents, 1 joined one.
  expect(sample(text, 'incident_bot_pages_received_total{source="pagerduty"}')).toBe(7);
}

describe('insights in /metrics', () => {
  const h = useBot();

  it('time to acknowledge and resolve histograms and the counters come from the timeline, as it grows', async () => {
    seedHistory(h.bot.app.db);
    expectSeeded(await scrape(h));
    // Scraping again counts nothing twice.
    expectSeeded(await scrape(h));
    const res = await h.bot.command('declare Metrics check sev2');
    expect(res.status).toBe(200);
    const text = await scrape(h);
    expect(sample(text, 'incident_bot_incidents_declared_total{severity="sev2",source="slack"}')).toBe(1);
  });

  it('are rebuilt exactly from the database after a restart', async () => {
    seedHistory(h.bot.app.db);
    expectSeeded(await scrape(h));
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath);
    expectSeeded(await scrape(h));
    // A later acknowledgement of a fresh page is observed once.
    const repo = new IncidentRepository(h.bot.app.db);
    const at = Date.now();
    const id = repo.insert({
      title: 'late',
      description: null,
      severity: 'sev1',
      source: 'pagerduty',
      externalId: 'LATE',
      declaredBy: 'pagerduty',
      declaredAt: at,
    });
    repo.appendEvent({ incidentId: id, at: at + 2 * MIN, kind: 'acknowledged', actor: ALICE, data: {} });
    const text = await scrape(h);
    expect(sample(text, `${TTA}_count{severity="sev1",source="pagerduty"}`)).toBe(5);
    expect(sample(text, `${TTA}_sum{severity="sev1",source="pagerduty"}`)).toBe((4 + 15 + 1 + 2 + 2) * 60);
  });
});
