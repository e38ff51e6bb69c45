import { beforeEach, describe, expect, it } from 'vitest';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { isLegalChannelName } from '../../src/slack/channel-name.ts';
import { PD_ALICE, WEBHOOK_SECRET, eventually, useBot } from '../helpers/test-bot.ts';

describe('POST /webhooks/pagerduty with bad or hostile input', () => {
  const h = useBot({ pagerduty: true, scope: 'all' });
  const count = (table: string) =>
    (h.bot.app.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const state = () => ({
    incidents: count('incidents'),
    inbox: count('inbox'),
    outbox: count('outbox'),
    timeline: count('timeline_events'),
  });
  let before: ReturnType<typeof state>;
  beforeEach(async () => {
    // Earlier tests' staffing effects land asynchronously; compare against a settled database.
    await eventually(
      () => h.bot.app.outbox.dueDepth(Date.now()) === 0 && h.bot.app.worker.inFlightCount === 0,
      10_000,
      'a settled outbox',
    );
    before = state();
  });

  const post = async (body: string | Buffer, headers: Record<string, string>) => {
    const res = await fetch(`${h.bot.app.url}/webhooks/pagerduty`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const signed = (raw: string | Buffer, secrets = [WEBHOOK_SECRET]) =>
    post(raw, { 'x-pagerduty-signature': pagerDutySignatureHeader(raw, secrets) });
  const trigger = (overrides: Record<string, unknown> = {}, event: Record<string, unknown> = {}) => {
    const page = h.pd.createIncident({ title: 'Valid page', assignees: [PD_ALICE] });
    const body = webhookBody('incident.triggered', { ...incidentData(page), ...overrides });
    return JSON.stringify({ event: { ...body.event, ...event } });
  };

  it('refuses a missing signature, a wrong one and one over a different body (401, nothing changes)', async () => {
    const raw = trigger();
    expect((await post(raw, {})).status).toBe(401);
    expect((await post(raw, { 'x-pagerduty-signature': pagerDutySignatureHeader(raw, ['not-ours']) })).status).toBe(
      401,
    );
    expect((await post(raw, { 'x-pagerduty-signature': 'v1=zzzz,v0=abc,garbage' })).status).toBe(401);
    expect(
      (
        await post(raw.replace('Valid page', 'Forged page'), {
          'x-pagerduty-signature': pagerDutySignatureHeader(raw, [WEBHOOK_SECRET]),
        })
      ).status,
    ).toBe(401);
    expect(state()).toEqual(before);
  });

  it('accepts either secret during rotation, and a header carrying several signatures', async () => {
    expect((await signed(trigger(), ['old-secret-being-rotated-out'])).status).toBe(202);
    expect((await signed(trigger(), ['retired-secret', WEBHOOK_SECRET])).status).toBe(202);
    expect(state().incidents).toBe(before.incidents + 2);
  });

  it('answers truncated JSON with 400 and the reason', async () => {
    const res = await signed(trigger().slice(0, 120));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'malformed', reason: expect.stringContaining('not valid JSON') });
    expect(state()).toEqual(before);
  });

  it('refuses a 5 MB body with 413 without reading it all', async () => {
    const raw = Buffer.alloc(5 * 1024 * 1024, 'a');
    const res = await post(raw, { 'x-pagerduty-signature': 'v1=00' });
    expect(res.status).toBe(413);
    expect(state()).toEqual(before);
  });

  it('answers shapes that are not a v3 incident event with 400 and a reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['no event', JSON.stringify({ messages: [] }), /event/],
      ['an array', '[]', /body/],
      ['wrong resource_type', trigger({}, { resource_type: 'service' }), /resource_type is service/],
      ['no title', trigger({ title: undefined }), /data\.title/],
      ['no incident id', trigger({ id: undefined }), /data\.id/],
      ['a bad timestamp', trigger({}, { occurred_at: 'yesterday' }), /occurred_at/],
      ['assignees not a list', trigger({ assignees: 'alice' }), /data\.assignees/],
    ];
    for (const [label, raw, reason] of cases) {
      const res = await signed(raw);
      expect(res.status, label).toBe(400);
      expect(String(res.json.reason), label).toMatch(reason);
    }
    expect(state()).toEqual(before);
  });

  it('acknowledges event types it does not act on with 202 and ignores them', async () => {
    const raw = trigger({}, { event_type: 'service.updated', resource_type: 'service' });
    const res = await signed(raw);
    expect(res).toMatchObject({ status: 202, json: { status: 'ignored' } });
    expect(state()).toEqual(before);
  });

  it('takes null agent, client, priority and conference bridge in its stride', async () => {
    const raw = trigger(
      { priority: null, conference_bridge: null, urgency: null, service: null, assignees: null },
      { agent: null, client: null },
    );
    const res = await signed(raw);
    expect(res).toMatchObject({ status: 202, json: { status: 'opened' } });
    const incident = h.bot.app.incidents.get(res.json.incident_id as number)!;
    expect(incident).toMatchObject({ severity: 'sev3', serviceName: null });
  });

  it('turns a very long title with quotes, braces and pipes into a legal channel and escaped text', async () => {
    const title = `"Checkout" {broken} | <b>bold</b> & ${'`rm -rf /` '.repeat(200)}`;
    const res = await signed(trigger({ title }));
    expect(res.status).toBe(202);
    const id = res.json.incident_id as number;
    const incident = await eventually(() => {
      const i = h.bot.app.incidents.get(id);
      return i?.summaryTs ? i : undefined;
    });
    expect(incident.title.length).toBeLessThanOrEqual(150);
    expect(isLegalChannelName(incident.channelName!)).toBe(true);
    const summary = h.slack.ws.message(incident.channelId!, incident.summaryTs!)!;
    expect(summary.text).toContain('&lt;b&gt;bold&lt;/b&gt; &amp;');
    expect(h.slack.rejected).toEqual([]);
  });
});
