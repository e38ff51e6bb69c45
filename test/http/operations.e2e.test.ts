import { describe, expect, it } from 'vitest';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startRetentionJob } from '../../src/scheduler/retention.ts';
import { declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; checks: { name: string; ok: boolean; reason?: string }[] },
  };
};
const authTests = (h: { slack: { calls: { method: string }[] } }) =>
  h.slack.calls.filter((c) => c.method === 'auth.test').length;

describe('readiness', () => {
  const h = useBot({ clock: true });

  it('asks Slack at most once a minute, and names what to fix when Slack refuses the token', async () => {
    expect((await readyz(h.bot.app.url)).status).toBe(200);
    const asked = authTests(h);
    await readyz(h.bot.app.url);
    h.clock.now += 30_000;
    await readyz(h.bot.app.url);
    expect(authTests(h)).toBe(asked);
    h.slack.inject('auth.test', { error: 'invalid_auth' });
    h.clock.now += 61_000;
    const { status, body } = await readyz(h.bot.app.url);
    expect(status).toBe(503);
    expect(body.checks).toContainEqual({
      name: 'slack',
      ok: false,
      reason: 'Slack auth.test failed: invalid_auth — check SLACK_BOT_TOKEN',
    });
  });

  it('reports a stuck outbox: how many effects are due and for how long', async () => {
    await h.bot.app.worker.stop(0); // nothing delivers any more
    h.bot.app.outbox.enqueue(
      { kind: 'channel.notice', orderingKey: 'x', incidentId: null, payload: {}, idempotencyKey: 'stuck-1' },
      h.clock.now - 10 * 60_000,
    );
    const { status, body } = await readyz(h.bot.app.url);
    expect(status).toBe(503);
    expect(body.checks).toContainEqual({
      name: 'outbox',
      ok: false,
      reason: 'outbox stuck: 1 effects due, the oldest for 10 min',
      details: { dead_effects: 0 },
    });
  });
});

describe('metrics', () => {
  const h = useBot();

  it('counts commands, requests and deliveries, and reads depth and open incidents from the database', async () => {
    await declared(h, 'Metered sev2');
    await h.bot.command('nonsense here');
    await settled(h.bot.app);
    // Slack's events about the new channel (who joined it) come to the same route.
    await eventually(() => h.slack.events.sent.every((e) => e.status !== undefined), 10_000, "Slack's events");
    const events = h.slack.events.sent.length;
    expect(events).toBeGreaterThan(0);
    const res = await fetch(`${h.bot.app.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));
    expect(line('incident_bot_command_duration_seconds_count{verb="declare",outcome="ok"}')).toMatch(/ 1$/);
    expect(line('incident_bot_command_duration_seconds_count{verb="other",outcome="user_error"}')).toMatch(/ 1$/);
    expect(
      line('incident_bot_http_request_duration_seconds_count{route="/slack/events",method="POST",status="200"}'),
    ).toMatch(new RegExp(` ${2 + events}$`));
    expect(line('incident_bot_outbox_deliveries_total{kind="channel.create",outcome="delivered"}')).toMatch(/ 1$/);
    expect(line('incident_bot_open_incidents{severity="sev2"}')).toBe('incident_bot_open_incidents{severity="sev2"} 1');
    expect(line('incident_bot_outbox_depth')).toBe('incident_bot_outbox_depth 0');
    expect(text).toContain('incident_bot_process_resident_memory_bytes');
  });
});

describe('retention', () => {
  const h = useBot();

  it('forgets delivered effects and webhook ids past the retention, never pending or dead ones', async () => {
    // Counted exactly below: Slack's events (each one a request and an inbox row) are held back.
    h.slack.events.requestUrl = undefined;
    await declared(h, 'Old news sev3');
    await settled(h.bot.app);
    const db = h.bot.app.db;
    const delivered = db.prepare("SELECT count(*) FROM outbox WHERE state = 'delivered'").pluck().get() as number;
    expect(delivered).toBeGreaterThan(3);
    new InboxRepository(db).firstSeen('pagerduty', 'old-event', Date.now() - 40 * 86_400_000);
    const pendingBefore = db.prepare("SELECT count(*) FROM outbox WHERE state <> 'delivered'").pluck().get();
    const seenRequests = new SeenRequestRepository(db);
    const job = startRetentionJob(
      {
        outbox: h.bot.app.outbox,
        inbox: new InboxRepository(db),
        seenRequests,
        signatureWindowMs: 300_000,
        retentionDays: 30,
        now: () => Date.now() + 31 * 86_400_000,
      },
      createLogger('silent'),
    );
    try {
      // The declare command's signature goes too: it is long past its five minutes.
      expect(job.runOnce()).toEqual({ outbox: delivered, inbox: 1, requests: 1, audit: 0 });
    } finally {
      await job.stop();
    }
    expect(db.prepare("SELECT count(*) FROM outbox WHERE state <> 'delivered'").pluck().get()).toBe(pendingBefore);
  });
});
