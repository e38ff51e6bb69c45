import { describe, expect, it } from 'vitest';
import { delivery, deliver, publishedBody } from '../helpers/pagerduty-examples.ts';
import { ALICE, BOB, CAROL, WEBHOOK_SECRET, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

/**
 * The bot fed PagerDuty's own published Webhooks v3 examples (test/fixtures/vendor/pagerduty/
 * webhooks/), signed as PagerDuty signs, instead of payloads built by the project's fake. The
 * people in them (User 123 assigned, Maeve added as a responder) exist in PagerDuty and Slack.
 */
const USER_123 = { id: 'U0USER123', name: 'user123', email: 'user123@example.com' };
const MAEVE = { id: 'U0MAEVE01', name: 'maeve', email: 'maeve@example.com' };

describe("PagerDuty's published webhook examples", () => {
  const h = useBot({
    pagerduty: true,
    users: [ALICE, BOB, CAROL, USER_123, MAEVE],
    settings: `comms:\n  rotation: [${CAROL.id}]\n`,
  });
  const url = () => `${h.bot.app.url}/webhooks/pagerduty`;
  const send = (body: string | object) =>
    deliver(url(), typeof body === 'string' ? body : JSON.stringify(body), [WEBHOOK_SECRET]);
  const posts = (channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);

  const paged = async (hh: Harness) => {
    hh.pd.users.set('PTUXL6G', { id: 'PTUXL6G', name: 'User 123', email: USER_123.email });
    hh.pd.users.set('PVMGSML', { id: 'PVMGSML', name: 'Maeve', email: MAEVE.email });
    // Paged without a priority (PagerDuty sends null when none is set), so the published
    // priority_updated example below has something to change.
    const trigger = JSON.stringify(delivery('incident.triggered', { data: { priority: null, reopened_at: null } }));
    expect(await send(trigger)).toMatchObject({ status: 202, json: { status: 'opened' } });
    expect((await send(trigger)).json.status).toBe('duplicate');
    const incident = await eventually(
      () => {
        const row = hh.bot.app.db
          .prepare('SELECT incident_id FROM incident_links WHERE external_id = ?')
          .get('PGR0VU2') as { incident_id: number } | undefined;
        const i = row && hh.bot.app.incidents.get(row.incident_id);
        return i?.summaryTs && hh.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
      },
      10_000,
      'the staffed channel for PGR0VU2',
    );
    await settled(hh.bot.app);
    return incident;
  };

  it('a trigger opens a staffed channel from the published incident data', async () => {
    const incident = await paged(h);
    expect(incident).toMatchObject({
      source: 'pagerduty',
      title: 'A little bump in the road',
      severity: 'sev2',
      externalUrl: 'https://acme.pagerduty.com/incidents/PGR0VU2',
    });
    const channel = h.slack.ws.channels.get(incident.channelId!)!;
    expect(channel.name).toMatch(/^inc-\d{8}-api-service-a-little-bump-in-the-road$/);
    expect(channel.members.has(USER_123.id)).toBe(true);
    const summary = JSON.stringify(h.slack.ws.message(channel.id, incident.summaryTs!)!.blocks);
    for (const fact of ['Service: API Service', 'Urgency: high', 'Assigned: User 123', 'PagerDuty #2']) {
      expect(summary, fact).toContain(fact);
    }
    expect(h.pd.succeeded('GET /users/{id}').map((c) => c.path)).toEqual(['/users/PTUXL6G']);
    expect(h.slack.rejected).toEqual([]);
  });

  it('the published priority_updated example, sent byte for byte, raises the severity', async () => {
    const incident = await paged(h);
    const res = await send(publishedBody('incident.priority_updated'));
    expect(res).toMatchObject({ status: 202, json: { status: 'applied', incident_id: incident.id } });
    await settled(h.bot.app);
    expect(h.bot.app.incidents.get(incident.id)!.severity).toBe('sev1');
    expect(posts(incident.channelId!)).toContain(
      ':chart_with_upwards_trend: Severity SEV2 → *SEV1* (by *Tenex Engineer* in PagerDuty).',
    );
  });

  it('acknowledged, annotated, responder added, resolved and reopened: state follows and the channel hears each', async () => {
    const incident = await paged(h);
    const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const outcomes = [];
    for (const body of [
      delivery('incident.acknowledged', { data: { status: 'acknowledged' }, occurredAt: at(1) }),
      delivery('incident.annotated', { occurredAt: at(2) }),
      delivery('incident.responder.added', { occurredAt: at(3) }),
      delivery('incident.resolved', { data: { status: 'resolved' }, occurredAt: at(4) }),
    ])
      outcomes.push((await send(body)).json.status);
    expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('resolved');
    expect((await send(delivery('incident.reopened', { occurredAt: at(5) }))).json.status).toBe('applied');
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'investigating', resolvedAt: null });
    await settled(h.bot.app);
    const said = posts(incident.channelId!);
    expect(said).toContain(':eyes: Acknowledged by *Tenex Engineer* in PagerDuty.');
    expect(said).toContain(':memo: Note from *Tenex Engineer* in PagerDuty:\n>I sure am glad we are using PagerDuty!');
    expect(said).toContain(':sos: *Maeve* was asked to help in PagerDuty: “Please help me make the tests pass”');
    expect(said).toContain(':white_check_mark: Resolved by *Tenex Engineer* in PagerDuty.');
    expect(said).toContain(':arrows_counterclockwise: Reopened by *Tenex Engineer* in PagerDuty.');
    expect(h.slack.ws.channels.get(incident.channelId!)!.members.has(MAEVE.id)).toBe(true);
  });

  it('answers the published service.updated example 202 and does nothing with it', async () => {
    expect(await send(publishedBody('service.updated'))).toEqual({
      status: 202,
      json: { status: 'ignored', reason: 'event type service.updated is not one the bot acts on' },
    });
    expect(h.slack.succeeded('conversations.create')).toEqual([]);
  });

  it('refuses a published example whose signature is not from a configured secret', async () => {
    const res = await deliver(url(), publishedBody('incident.priority_updated'), ['not-our-secret']);
    expect(res).toEqual({ status: 401, json: { error: 'bad_signature' } });
  });
});
