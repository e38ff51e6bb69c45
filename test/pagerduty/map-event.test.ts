import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.ts';
import { mapPagerDutyEvent, severityOf } from '../../src/pagerduty/map-event.ts';
import { envelopeSchema } from '../../src/pagerduty/webhook-schema.ts';
import { DOCUMENTED_EVENT_TYPES, delivery, publishedBody } from '../helpers/pagerduty-examples.ts';

const settings = settingsSchema.parse({
  pagerduty: { priorities: { P1: 'sev1', 'SEV-2': 'sev2' }, urgencies: { high: 'sev2', low: 'sev4' } },
});
const map = (body: unknown) => mapPagerDutyEvent(envelopeSchema.parse(body), settings);

describe('mapping PagerDuty events', () => {
  it('takes severity from the priority map first, then urgency, then the default', () => {
    expect(severityOf({ priority: { id: 'x', summary: 'P1' }, urgency: 'low' }, settings)).toBe('sev1');
    expect(severityOf({ priority: { id: 'x', summary: 'P9' }, urgency: 'high' }, settings)).toBe('sev2');
    expect(severityOf({ priority: null, urgency: 'low' }, settings)).toBe('sev4');
    expect(severityOf({ priority: null, urgency: null }, settings)).toBe('sev3');
  });

  it("maps PagerDuty's published incident.priority_updated example, field by field", () => {
    expect(map(JSON.parse(publishedBody('incident.priority_updated')))).toEqual({
      type: 'event',
      event: {
        source: 'pagerduty',
        sourceName: 'PagerDuty',
        deliveryId: '5ac64822-4adc-4fda-ade0-410becf0de4f',
        externalId: 'PGR0VU2',
        kind: 'priority_updated',
        occurredAt: Date.parse('2020-10-02T18:45:22.169Z'),
        actor: 'Tenex Engineer',
        // The agent is a user_reference: a person who can be looked up (e.g. invited when they acknowledge a page).
        actorRef: { id: 'PLH1HKV', name: 'Tenex Engineer' },
        snapshot: {
          title: 'A little bump in the road',
          publicTitle: 'A little bump in the road',
          complete: true,
          dedupKey: 'd3640fbd41094207a1c11e58e46b1662',
          url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
          serviceName: 'API Service',
          serviceId: 'PF9KMXH',
          severity: 'sev1',
          urgency: 'high',
          priority: 'P1',
          assignees: [{ id: 'PTUXL6G', name: 'User 123' }],
          description: 'Service: API Service · Urgency: high · Priority: P1 · Assigned: User 123 · PagerDuty #2',
        },
      },
    });
  });

  it('maps every incident event type the bot acts on, built from the published envelope and data examples', () => {
    const kinds = Object.fromEntries(
      DOCUMENTED_EVENT_TYPES.map((type) => {
        const mapped = map(delivery(type));
        return [type, mapped.type === 'event' ? mapped.event.kind : mapped.type];
      }),
    );
    expect(kinds).toEqual({
      'incident.triggered': 'triggered',
      'incident.acknowledged': 'acknowledged',
      'incident.unacknowledged': 'unacknowledged',
      'incident.resolved': 'resolved',
      'incident.reopened': 'reopened',
      'incident.reassigned': 'reassigned',
      'incident.escalated': 'escalated',
      'incident.delegated': 'delegated',
      'incident.priority_updated': 'priority_updated',
      'incident.annotated': 'annotated',
      'incident.responder.added': 'responder_added',
      'incident.status_update_published': 'ignored',
    });
  });

  it('takes the note from the published incident_note example, and the incident from its reference', () => {
    expect(map(delivery('incident.annotated'))).toMatchObject({
      type: 'event',
      event: {
        externalId: 'PGR0VU2',
        note: 'I sure am glad we are using PagerDuty!',
        snapshot: {
          title: 'A little bump in the road',
          complete: false,
          url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
        },
      },
    });
  });

  it('takes the responder and their request from the published incident_responder example', () => {
    expect(map(delivery('incident.responder.added'))).toMatchObject({
      type: 'event',
      event: {
        externalId: 'PGR0VU2',
        responder: { id: 'PVMGSML', name: 'Maeve', message: 'Please help me make the tests pass' },
      },
    });
  });

  it("ignores PagerDuty's published service.updated example (a service, not an incident)", () => {
    expect(map(JSON.parse(publishedBody('service.updated')))).toEqual({
      type: 'ignored',
      reason: 'event type service.updated is not one the bot acts on',
    });
  });
});
