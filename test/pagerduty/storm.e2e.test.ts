import { describe, expect, it } from 'vitest';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { PD_ALICE, PD_BOB, eventually, useBot } from '../helpers/test-bot.ts';

describe('an alert storm', () => {
  const h = useBot({ pagerduty: true });

  it('turns 200 triggers for 40 incidents, under Slack 429s, into exactly 40 staffed channels', async () => {
    const pages = Array.from({ length: 40 }, (_, i) =>
      h.pd.createIncident({
        title: `Node ${i} unhealthy`,
        assignees: [i % 2 ? PD_ALICE : PD_BOB],
        incidentKey: `node-${i}`,
      }),
    );
    // Five deliveries per incident (each a distinct event, as PagerDuty re-sends triggers), shuffled.
    const bodies = pages.flatMap((p) =>
      Array.from({ length: 5 }, () => webhookBody('incident.triggered', incidentData(p))),
    );
    bodies.sort(() => Math.random() - 0.5);
    h.slack.inject('conversations.create', { status: 429, retryAfter: 1 }, { status: 429, retryAfter: 1 });
    h.slack.inject('chat.postMessage', { status: 429, retryAfter: 1 });
    h.slack.inject('pins.add', { status: 429, retryAfter: 1 });

    const statuses: number[] = [];
    for (let i = 0; i < bodies.length; i += 25) {
      const batch = await Promise.all(bodies.slice(i, i + 25).map((b) => h.pd.send(b)));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.every((s) => s === 202)).toBe(true);

    await eventually(() => h.bot.app.outbox.pendingStats().depth === 0, 60_000, 'the storm to drain');
    const created = h.slack.succeeded('conversations.create');
    expect(created).toHaveLength(40);
    expect(new Set(created.map((c) => c.args.name)).size).toBe(40);
    expect(h.slack.calls.filter((c) => c.status === 429)).toHaveLength(4);
    expect(h.bot.app.db.prepare("SELECT count(*) FROM outbox WHERE state <> 'delivered'").pluck().get()).toBe(0);
    const pinned = h.slack.ws.messages.filter((m) => m.pinned);
    expect(pinned).toHaveLength(40);
    expect(h.bot.app.db.prepare('SELECT count(*) FROM incidents').pluck().get()).toBe(40);
    // Two people were paged 40 times between them: each was looked up once.
    expect(h.pd.succeeded('GET /users/{id}')).toHaveLength(2);
    expect(h.slack.rejected).toEqual([]);
  }, 90_000);
});
