import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { PD_ALICE, useBot } from '../helpers/test-bot.ts';

describe('a burst of PagerDuty webhooks arriving together', () => {
  const h = useBot({ pagerduty: true, scope: 'all' });
  // Another connection to the bot's file sees only what the bot has committed.
  let reader: Db;
  beforeAll(() => {
    reader = openTestDatabase(h.dbPath);
  });
  afterAll(() => reader.close());
  const recorded = (eventId: string) =>
    reader.prepare("SELECT count(*) FROM inbox WHERE source = 'pagerduty' AND delivery_id = ?").pluck().get(eventId);

  it('answers each 202 only once its event is committed, dedupes each redelivery, and opens each page once', async () => {
    const pages = Array.from({ length: 30 }, (_, i) =>
      h.pd.createIncident({ title: `Burst ${i}`, assignees: [PD_ALICE] }),
    );
    const bodies = pages.map((p, i) => webhookBody('incident.triggered', incidentData(p), { id: `BURST-${i}` }));
    // Every trigger twice (PagerDuty redelivers), all sent at once.
    const answers = await Promise.all(
      [...bodies, ...bodies].map(async (body, n) => {
        const res = await h.pd.send(body);
        // Checked the moment the answer arrives, before anything else can commit for it.
        return { n, status: res.status, json: res.json, committed: recorded(`BURST-${n % bodies.length}`) };
      }),
    );
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect(answers.filter((a) => a.committed !== 1)).toEqual([]);
    for (let i = 0; i < bodies.length; i++) {
      const pair = [answers[i]!.json.status, answers[i + bodies.length]!.json.status].sort();
      expect(pair, `page ${i}`).toEqual(['duplicate', 'opened']);
    }
    const opened = answers.filter((a) => a.json.status === 'opened').map((a) => a.json.incident_id);
    expect(new Set(opened).size).toBe(pages.length);
    expect(h.bot.app.incidents.listOpen().map((i) => i.id)).toEqual(expect.arrayContaining(opened));
  });
});
