import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/sqlite-driver.ts';
import type { TimelineEvent } from '../../src/incidents/types.ts';
import { draftReport } from '../../src/postmortem/draft.ts';
import { draftDeps } from '../helpers/report.ts';
import { eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';
import { onPostgres } from '../helpers/test-database.ts';

const TOKEN = 'am-webhook-token-0123456789abcdef';
const FIXTURE = readFileSync(new URL('../fixtures/alertmanager/firing.json', import.meta.url), 'utf8');

type Payload = {
  status: string;
  groupKey: string;
  alerts: { status: string; labels: Record<string, string>; endsAt: string; fingerprint: string }[];
  [key: string]: unknown;
};
/** The documented example, changed as a test says (a copy each time). */
const payload = (change: (p: Payload) => void = () => {}): string => {
  const p = JSON.parse(FIXTURE) as Payload;
  change(p);
  return JSON.stringify(p);
};
/** The group as Alertmanager sends it once the named alerts (by index) have resolved. */
const resolving = (...indexes: number[]) =>
  payload((p) => {
    for (const i of indexes) Object.assign(p.alerts[i]!, { status: 'resolved', endsAt: '2026-03-02T10:12:00Z' });
    p.status = p.alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing';
  });
/** The group with a third alert, on another instance. */
const withThirdAlert = () =>
  payload((p) => {
    const third = JSON.parse(JSON.stringify(p.alerts[0])) as Payload['alerts'][number];
    third.labels.instance = 'checkout-api-7d9f8b-klmno:8080';
    (third as unknown as { annotations: Record<string, string> }).annotations.description =
      'p99 latency is 3.1s on checkout-api-7d9f8b-klmno:8080 (threshold 2s) for 5 minutes.';
    third.fingerprint = '0d4f7a2c9e81b365';
    p.alerts.push(third);
  });

const send = async (h: Harness, body: string | Buffer, headers: Record<string, string> = {}) => {
  const res = await fetch(`${h.bot.app.url}/webhooks/alertmanager`, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: (text ? JSON.parse(text) : {}) as { status?: string; incident_id?: number; error?: string; reason?: string },
  };
};
/** As Alertmanager sends it with `http_config.authorization.credentials`. */
const notify = (h: Harness, body: string | Buffer) => send(h, body, { authorization: `Bearer ${TOKEN}` });

const count = (h: Harness, table: string) =>
  (h.bot.app.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const stored = (h: Harness) =>
  Object.fromEntries(
    ['incidents', 'inbox', 'outbox', 'timeline_events', 'alert_groups', 'alert_group_alerts'].map((t) => [
      t,
      count(h, t),
    ]),
  );
const timeline = (h: Harness, id: number, kind: string) =>
  (
    h.bot.app.db
      .prepare('SELECT * FROM timeline_events WHERE incident_id = ? AND kind = ? ORDER BY id')
      .all(id, kind) as (Omit<TimelineEvent, 'data'> & { data: string })[]
  ).map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> }));
/** The incident's room once its summary is pinned, with everything queued for it delivered. */
const room = async (h: Harness, id: number) => {
  const incident = await eventually(
    () => {
      const i = h.bot.app.incidents.get(id);
      return i?.summaryTs && h.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    },
    10_000,
    `incident ${id} room`,
  );
  await settled(h.bot.app);
  return { incident, posts: () => h.slack.ws.channelMessages(incident.channelId!).map((m) => m.text) };
};

describe('POST /webhooks/alertmanager', () => {
  const h = useBot({ env: { ALERTMANAGER_TOKEN: TOKEN }, storage: { probeMs: 50 } });

  it('opens one incident for a firing group, with its labels and annotations posted in the room and on the timeline', async () => {
    const res = await notify(h, FIXTURE);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'opened', incident_id: expect.any(Number) });
    const { incident, posts } = await room(h, res.json.incident_id!);
    expect(incident).toMatchObject({
      source: 'alert',
      title: 'Checkout p99 latency above 2s',
      // severity="critical" maps to sev1 by default.
      severity: 'sev1',
      serviceName: 'checkout',
      externalUrl: 'http://alertmanager.example.com:9093',
      status: 'investigating',
    });
    expect(h.slack.ws.channels.get(incident.channelId!)!.name).toMatch(/checkout-p99-latency-above-2s$/);

    const fired = posts().find((t) => t.includes('alerts firing in Alertmanager'))!;
    expect(fired).toContain('2 alerts firing in Alertmanager');
    for (const text of [
      'alertname: HighRequestLatency',
      'env: production',
      'severity: critical',
      'summary: Checkout p99 latency above 2s',
      'instance: checkout-api-7d9f8b-abcde:8080',
      'instance: checkout-api-7d9f8b-fghij:8080',
      'p99 latency is 2.7s',
      '|source>',
    ])
      expect(fired).toContain(text);
    expect(h.slack.rejected).toEqual([]);

    const [declared] = timeline(h, incident.id, 'declared');
    expect(declared!.data).toMatchObject({ source: 'alert', severity: 'sev1', labels: { service: 'checkout' } });
    const [firing] = timeline(h, incident.id, 'alert_fired');
    expect(firing!.body).toBe('Alerts HighRequestLatency, HighRequestLatency firing');
    expect(firing!.data.alerts).toEqual([
      expect.objectContaining({
        fingerprint: '4c2a1b9e7d3f6a58',
        labels: expect.objectContaining({ instance: 'checkout-api-7d9f8b-abcde:8080' }),
        annotations: expect.objectContaining({ description: expect.stringContaining('2.7s') }),
      }),
      expect.objectContaining({ fingerprint: '9b0e52c4a1d87f23' }),
    ]);
    expect(count(h, 'incidents')).toBe(1);
  });

  it('joins the open incident when the same group notifies again: the new alert is noted, no second incident', async () => {
    const opened = await notify(h, FIXTURE);
    const { incident, posts } = await room(h, opened.json.incident_id!);

    const again = await notify(h, withThirdAlert());
    expect(again).toMatchObject({ status: 202, json: { status: 'joined', incident_id: incident.id } });
    await settled(h.bot.app);
    expect(count(h, 'incidents')).toBe(1);
    const joined = timeline(h, incident.id, 'alert_fired')[1]!;
    expect(joined.data).toMatchObject({ joined: true, alerts: [{ fingerprint: '0d4f7a2c9e81b365' }] });
    const post = posts().find((t) => t.includes('Another alert of this group firing'))!;
    expect(post).toContain('instance: checkout-api-7d9f8b-klmno:8080');
    // What the group already said is not repeated.
    expect(post).toContain('p99 latency is 3.1s');
    expect(post).not.toContain('checkout-api-7d9f8b-abcde');

    // The same alerts again, only an annotation's current value changed: nothing new to note.
    const unchanged = await notify(h, withThirdAlert().replace('p99 latency is 2.7s', 'p99 latency is 2.9s'));
    expect(unchanged.json).toMatchObject({ status: 'no_change', incident_id: incident.id });
    expect(timeline(h, incident.id, 'alert_fired')).toHaveLength(2);
  });

  it('notes resolved alerts on the timeline, and when the whole group has resolved, leaving the incident open', async () => {
    const opened = await notify(h, FIXTURE);
    const { incident, posts } = await room(h, opened.json.incident_id!);

    expect((await notify(h, resolving(0))).json).toMatchObject({ status: 'joined', incident_id: incident.id });
    expect(timeline(h, incident.id, 'alert_resolved').map((e) => e.body)).toEqual([
      'Alert HighRequestLatency resolved',
    ]);
    expect(timeline(h, incident.id, 'alerts_all_resolved')).toEqual([]);

    expect((await notify(h, resolving(0, 1))).json).toMatchObject({ status: 'joined', incident_id: incident.id });
    const resolved = timeline(h, incident.id, 'alert_resolved');
    expect(resolved).toHaveLength(2);
    expect(resolved[1]!.data.alerts).toEqual([expect.objectContaining({ fingerprint: '9b0e52c4a1d87f23' })]);
    expect(timeline(h, incident.id, 'alerts_all_resolved')).toHaveLength(1);
    // A person decides when the incident is over.
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('investigating');
    await settled(h.bot.app);
    const notes = posts().filter((t) => t.startsWith(':large_green_circle: Resolved in Alertmanager'));
    expect(notes).toHaveLength(2);
    // Which of the group's alerts resolved is told by what sets it apart from the rest.
    expect(notes[0]).toContain('*HighRequestLatency* (instance: checkout-api-7d9f8b-abcde:8080)');
    expect(posts().at(-1)).toContain('Every alert of this group has resolved; the incident stays open');

    // The report tells the alerts' story in its timeline.
    const { markdown } = draftReport(draftDeps(h, 'UTC'), incident.id, new Map(), null);
    for (const line of [
      'Incident opened by alerts from Alertmanager: Checkout p99 latency above 2s',
      'Alerts HighRequestLatency, HighRequestLatency firing',
      'Alert HighRequestLatency resolved',
      'Every alert of the group resolved',
    ])
      expect(markdown).toContain(line);
  });

  it('does nothing twice for a redelivery of the identical notification', async () => {
    const first = await notify(h, FIXTURE);
    await room(h, first.json.incident_id!);
    const before = stored(h);
    const again = await notify(h, FIXTURE);
    expect(again).toMatchObject({ status: 202, json: { status: 'duplicate' } });
    await settled(h.bot.app);
    expect(stored(h)).toEqual(before);
  });

  it('opens a new incident when the group still fires after a person resolved its incident', async () => {
    const first = await notify(h, FIXTURE);
    const { incident } = await room(h, first.json.incident_id!);
    await h.bot.command('resolve Latency back to normal', { channel: incident.channelId! });
    await eventually(() => h.bot.app.incidents.get(incident.id)!.status === 'resolved', 5000, 'the resolve');
    // Alertmanager repeats the unchanged group (repeat_interval): the same body again.
    const repeat = await notify(h, FIXTURE);
    expect(repeat.json).toMatchObject({ status: 'opened' });
    expect(repeat.json.incident_id).not.toBe(incident.id);
  });

  it('does not open an incident for a group that only resolved', async () => {
    const res = await notify(h, resolving(0, 1));
    expect(res).toMatchObject({ status: 202, json: { status: 'ignored' } });
    expect(count(h, 'incidents')).toBe(0);
  });

  it('refuses a notification without the bearer token, or with a wrong one, with 401 and stores nothing', async () => {
    const before = stored(h);
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer not-the-token-at-all' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: `Bearer ${'a'.repeat(5000)}` },
    ]) {
      const res = await send(h, FIXTURE, headers);
      expect(res.status, JSON.stringify(headers).slice(0, 60)).toBe(401);
      expect(res.json).toMatchObject({ error: 'bad_token', reason: expect.stringContaining('Bearer') });
    }
    expect(stored(h)).toEqual(before);
  });

  it('refuses a malformed notification with 400 and a reason naming what is wrong', async () => {
    const before = stored(h);
    const cases: [string, string, RegExp][] = [
      ['truncated JSON', FIXTURE.slice(0, 200), /not valid JSON/],
      ['another payload version', payload((p) => (p.version = '3')), /version: must be "4"/],
      ['no group key', payload((p) => delete (p as Partial<Payload>).groupKey), /groupKey/],
      ['no alerts', payload((p) => (p.alerts = [])), /alerts/],
      ['an unknown status', payload((p) => (p.status = 'pending')), /status/],
      [
        'a bad start time',
        payload((p) => Object.assign(p.alerts[0]!, { startsAt: 'yesterday' })),
        /alerts\.0\.startsAt/,
      ],
      ['a label that is not text', payload((p) => Object.assign(p.alerts[1]!.labels, { pod: 7 })), /alerts\.1\.labels/],
      [
        'too many labels',
        payload((p) => {
          for (let i = 0; i < 101; i++) p.alerts[0]!.labels[`l${i}`] = 'x';
        }),
        /at most 100 labels/,
      ],
      [
        'too many alerts',
        payload((p) => (p.alerts = Array.from({ length: 501 }, () => p.alerts[0]!))),
        /at most 500 alerts.*max_alerts/,
      ],
      ['an array', '[]', /body/],
    ];
    for (const [label, body, reason] of cases) {
      const res = await notify(h, body);
      expect(res.status, label).toBe(400);
      expect(res.json.error, label).toBe('malformed');
      expect(res.json.reason, label).toMatch(reason);
    }
    expect(stored(h)).toEqual(before);
  });

  it('refuses an oversized notification with 413 without reading it all', async () => {
    const before = stored(h);
    const res = await notify(h, Buffer.alloc(3 * 1024 * 1024, ' '));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'too_large', reason: expect.stringContaining('max_alerts') });
    expect(stored(h)).toEqual(before);
  });

  it('escapes labels and annotations for Slack, so they cannot mention anyone or forge a link', async () => {
    const res = await notify(
      h,
      payload((p) => {
        (p.commonAnnotations as Record<string, string>).summary = 'Disk <!channel> full & <@U0ALICE01>';
        p.alerts[0]!.labels.mount = '<https://evil.example|click me>';
      }),
    );
    const { posts } = await room(h, res.json.incident_id!);
    const fired = posts().find((t) => t.includes('alerts firing'))!;
    expect(fired).toContain('Disk &lt;!channel&gt; full &amp; &lt;@U0ALICE01&gt;');
    expect(fired).toContain('mount: &lt;https://evil.example|click me&gt;');
    expect(fired).not.toContain('<!channel>');
    expect(posts().join('\n')).not.toContain('<@U0ALICE01>');
  });

  // Holds SQLite's write lock from a second connection; on PostgreSQL the lock is the replicas' advisory
  // lock, and its refusal (55P03 after lock_timeout) is classified in test/db.
  it.skipIf(onPostgres)(
    'answers 503 with Retry-After while the database cannot take it, and applies the retry once it can',
    async () => {
      h.bot.app.db.pragma('busy_timeout = 50');
      const other = new Database(h.dbPath);
      other.exec('BEGIN IMMEDIATE');
      let refused: Awaited<ReturnType<typeof notify>>;
      try {
        refused = await notify(h, FIXTURE);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.json).toMatchObject({ error: 'storage_unavailable' });
      expect(count(h, 'incidents')).toBe(0);
      await eventually(() => h.bot.app.storage.writable || undefined, 10_000, 'storage writable again');
      expect((await notify(h, FIXTURE)).json).toMatchObject({ status: 'opened' });
    },
  );
});

describe('POST /webhooks/alertmanager without ALERTMANAGER_TOKEN', () => {
  const h = useBot({ scope: 'all' });

  it('is off: 404 saying why, and nothing stored, whatever the request carries', async () => {
    const before = stored(h);
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${TOKEN}` }]) {
      const res = await send(h, FIXTURE, headers);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({
        error: 'not_configured',
        reason: expect.stringContaining('ALERTMANAGER_TOKEN'),
      });
    }
    expect(stored(h)).toEqual(before);
  });
});
