import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { announcementChannel } from '../helpers/announcement-channel.ts';
import { eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const TOKEN = 'am-webhook-token-0123456789abcdef';
const FIXTURE = readFileSync(new URL('../fixtures/alertmanager/firing.json', import.meta.url), 'utf8');
const ANNOUNCE = 'C0ANNOUNCE1';
// The example group is `severity: critical`, mapped to sev3 here: below min_severity, so only the
// automation's `announce` can put it in the announcement channel.
const SETTINGS = `
alertmanager:
  severities: { critical: sev3 }
announcements:
  channel: ${ANNOUNCE}
  min_severity: sev1
automations:
  - name: checkout-alerts
    when: { event: alert, labels: { service: checkout, env: production } }
    do:
      - note: 'Checkout alert on {{alert.service}} ({{alert.job}}): see the runbook.'
      - announce: true
  - name: staging-only
    when: { event: alert, labels: { env: staging } }
    do:
      - note: 'never'
`;

const notify = (h: Harness, body: string) =>
  fetch(`${h.bot.app.url}/webhooks/alertmanager`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  });
const firings = (h: Harness) =>
  h.bot.app.db.prepare('SELECT automation, event, incident_id AS incident FROM automation_firings').all() as {
    automation: string;
    event: string;
    incident: number;
  }[];

describe('automations on alerts, announcing', () => {
  const h = useBot({ env: { ALERTMANAGER_TOKEN: TOKEN }, settings: SETTINGS });
  announcementChannel(h, ANNOUNCE);

  it('an alert group matching the labels fires once: its note, and the incident announced below min_severity', async () => {
    expect((await notify(h, FIXTURE)).status).toBe(202);
    // Alertmanager sends the same notification again at its repeat interval: nothing fires twice.
    expect((await notify(h, FIXTURE)).status).toBeLessThan(300);
    const fired = await eventually(() => (firings(h).length > 0 ? firings(h) : undefined));
    await settled(h.bot.app);
    expect(firings(h)).toEqual([{ automation: 'checkout-alerts', event: 'alert', incident: fired[0]!.incident }]);
    const incident = h.bot.app.incidents.get(fired[0]!.incident)!;
    expect(incident.severity).toBe('sev3');

    const timeline = h.bot.app.db
      .prepare('SELECT kind, body FROM timeline_events WHERE incident_id = ? ORDER BY id')
      .all(incident.id) as { kind: string; body: string | null }[];
    expect(timeline.find((e) => e.kind === 'automation_fired')?.body).toBe(
      "automation checkout-alerts added a note and announced the incident because the alert's labels matched service=checkout, env=production",
    );
    expect(timeline.find((e) => e.kind === 'note')?.body).toBe(
      'Checkout alert on checkout (checkout-api): see the runbook.',
    );
    const summaries = h.slack.ws.channelMessages(ANNOUNCE).filter((m) => !m.thread_ts);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.text).toContain('Checkout p99 latency above 2s');
  });

  it('a group whose labels do not match fires nothing and announces nothing', async () => {
    const other = JSON.parse(FIXTURE) as { groupKey: string; commonLabels: Record<string, string> };
    other.groupKey = '{}:{alertname="DiskFull"}';
    other.commonLabels = { ...other.commonLabels, service: 'search' };
    expect((await notify(h, JSON.stringify(other))).status).toBe(202);
    await eventually(() => h.bot.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number });
    await settled(h.bot.app);
    expect(firings(h)).toEqual([]);
    expect(h.slack.ws.channelMessages(ANNOUNCE)).toEqual([]);
  });
});
