import { randomUUID } from 'node:crypto';

/** A PagerDuty incident as the fake holds it. */
export interface FakePdIncident {
  id: string;
  number: number;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  incidentKey: string;
  service: { id: string; name: string };
  assignees: { id: string; name: string }[];
  urgency: 'high' | 'low';
  priority: string | null;
  createdAt: string;
  /** The escalation policy paged (default PEPFAKE) and the level it is at. */
  policy?: string;
  escalationLevel?: number;
}

const HOST = 'https://fake.pagerduty.test';
const ref = (type: string, id: string, summary: string, path: string) => ({
  id,
  type,
  summary,
  self: `${HOST}/api/${path}/${id}`,
  html_url: `${HOST}/${path}/${id}`,
});

/** The `incident` data object of a v3 webhook (PagerDuty docs: "Event Data Types → incident"). */
export function incidentData(i: FakePdIncident) {
  return {
    id: i.id,
    type: 'incident',
    self: `${HOST}/api/incidents/${i.id}`,
    html_url: `${HOST}/incidents/${i.id}`,
    number: i.number,
    status: i.status,
    incident_key: i.incidentKey,
    created_at: i.createdAt,
    title: i.title,
    service: ref('service_reference', i.service.id, i.service.name, 'services'),
    assignees: i.assignees.map((a) => ref('user_reference', a.id, a.name, 'users')),
    escalation_policy: ref('escalation_policy_reference', i.policy ?? 'PEPFAKE', 'Default', 'escalation_policies'),
    teams: [],
    priority: i.priority ? ref('priority_reference', `PRI${i.priority}`, i.priority, 'priorities') : null,
    urgency: i.urgency,
    conference_bridge: null,
    resolve_reason: null,
  };
}

const incidentRef = (i: FakePdIncident) => ({ ...ref('incident_reference', i.id, i.title, 'incidents') });

/** A whole v3 webhook body: one event wrapping its data. */
export function webhookBody(
  eventType: string,
  data: Record<string, unknown>,
  opts: { agent?: { id: string; name: string } | null; id?: string; occurredAt?: string; resourceType?: string } = {},
) {
  return {
    event: {
      id: opts.id ?? randomUUID(),
      event_type: eventType,
      resource_type: opts.resourceType ?? 'incident',
      occurred_at: opts.occurredAt ?? new Date().toISOString(),
      agent: opts.agent ? ref('user_reference', opts.agent.id, opts.agent.name, 'users') : null,
      client: opts.agent ? { name: 'PagerDuty' } : null,
      data,
    },
  };
}

export const noteData = (i: FakePdIncident, content: string) => ({
  incident: incidentRef(i),
  id: `N${randomUUID().slice(0, 6).toUpperCase()}`,
  content,
  trimmed: false,
  type: 'incident_note',
});

export const responderData = (i: FakePdIncident, user: { id: string; name: string }, message: string | null) => ({
  incident: incidentRef(i),
  user: ref('user_reference', user.id, user.name, 'users'),
  escalation_policy: ref('escalation_policy_reference', 'PEPFAKE', 'Default', 'escalation_policies'),
  message,
  state: 'pending',
  type: 'incident_responder',
});
