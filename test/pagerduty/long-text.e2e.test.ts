import { describe, expect, it } from 'vitest';
import { noteData, responderData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX } from '../../src/incidents/types.ts';
import { PD_ALICE, PD_BOB, useBot } from '../helpers/test-bot.ts';

const MARKER = '… [truncated]';

describe('long text from PagerDuty', () => {
  const h = useBot({ pagerduty: true });

  it('is stored cut to its bound with a visible marker: titles, service names, descriptions, notes', async () => {
    const page = h.pd.createIncident({
      title: `Checkout ${'very '.repeat(20_000)}slow`,
      service: { id: 'PSVC1', name: `Billing ${'x'.repeat(5_000)}` },
      assignees: Array.from({ length: 100 }, (_, i) => ({
        ...PD_ALICE,
        id: `PA${i}`,
        name: `Responder ${i} ${'y'.repeat(600)}`,
      })),
    });
    expect((await h.pd.trigger(page)).status).toBe(202);
    const note = `Root cause: ${'z'.repeat(60_000)}`;
    expect((await h.pd.send(webhookBody('incident.annotated', noteData(page, note)))).status).toBe(202);
    expect(
      (
        await h.pd.send(
          webhookBody('incident.responder.added', responderData(page, PD_BOB, `Please help ${'w'.repeat(60_000)}`)),
        )
      ).status,
    ).toBe(202);

    const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(page.id) as {
      incident_id: number;
    };
    const incident = h.bot.app.incidents.get(row.incident_id)!;
    expect(incident.title.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(incident.title).toMatch(/^Checkout very very .*… \[truncated\]$/);
    expect(incident.serviceName!.length).toBeLessThanOrEqual(200);
    expect(incident.serviceName!.endsWith(MARKER)).toBe(true);
    expect(incident.description!.length).toBeLessThanOrEqual(DESCRIPTION_MAX);
    expect(incident.description!.endsWith(MARKER)).toBe(true);

    const events = h.bot.app.db
      .prepare('SELECT kind, body FROM timeline_events WHERE incident_id = ?')
      .all(incident.id) as { kind: string; body: string | null }[];
    const annotated = events.find((e) => e.kind === 'annotated')!;
    expect(annotated.body!.length).toBeLessThanOrEqual(NOTE_MAX);
    expect(annotated.body).toMatch(/^Root cause: zzz.*… \[truncated\]$/);
    for (const e of events)
      expect({ kind: e.kind, long: (e.body?.length ?? 0) > NOTE_MAX }).toEqual({ kind: e.kind, long: false });
  });
});
