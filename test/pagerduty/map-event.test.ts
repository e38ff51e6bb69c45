import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.ts';
import { mapPagerDutyEvent, severityOf } from '../../src/pagerduty/map-event.ts';
import { envelopeSchema } from '../../src/pagerduty/webhook-schema.ts';
import { incidentData, webhookBody, type FakePdIncident } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';

const settings = settingsSchema.parse({ pagerduty: { priorities: { P1: 'sev1', 'SEV-2': 'sev2' }, urgencies: { high: 'sev2', low: 'sev4' } } });
const incident: FakePdIncident = {
  id: 'Q1', number: 7, title: 'Broken', status: 'triggered', incidentKey: 'k', service: { id: 'S', name: 'API' },
  assignees: [{ id: 'PA', name: 'Ann' }], urgency: 'low', priority: null, createdAt: '2026-11-25T01:00:00Z',
};

describe('mapping PagerDuty events', () => {
  it('takes severity from the priority map first, then urgency, then the default', () => {
    expect(severityOf({ priority: { id: 'x', summary: 'P1' }, urgency: 'low' }, settings)).toBe('sev1');
    expect(severityOf({ priority: { id: 'x', summary: 'P9' }, urgency: 'high' }, settings)).toBe('sev2');
    expect(severityOf({ priority: null, urgency: 'low' }, settings)).toBe('sev4');
    expect(severityOf({ priority: null, urgency: null }, settings)).toBe('sev3');
  });

  it('maps a trigger to an external event with the snapshot it carries', () => {
    const env = envelopeSchema.parse(webhookBody('incident.triggered', incidentData(incident), { id: 'E1', agent: { id: 'PA', name: 'Ann' } }));
    const mapped = mapPagerDutyEvent(env, settings);
    expect(mapped).toMatchObject({
      type: 'event',
      event: {
        source: 'pagerduty', deliveryId: 'E1', externalId: 'Q1', kind: 'triggered', actor: 'Ann',
        snapshot: { title: 'Broken', complete: true, dedupKey: 'k', serviceName: 'API', severity: 'sev4', assignees: [{ id: 'PA', name: 'Ann' }] },
      },
    });
  });
});
