import { describe, expect, it } from 'vitest';
import { BOB, declared, eventually, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';

const MIN = 60_000;
const SETTINGS = `
automations:
  - name: wake-the-next-level
    when: { event: unacknowledged, after_minutes: 10 }
    do:
      - note: 'Nobody acknowledged {{incident.title}} in 10 minutes.'
      - escalate: true
  - name: comms-overdue
    when: { event: update_overdue, after_minutes: 20, severity: sev1 }
    do:
      - invite: [${BOB.id}]
`;
const fired = (h: Harness, id: number) =>
  h.bot.app.db.prepare('SELECT automation, event FROM automation_firings WHERE incident_id = ?').all(id);
const paged = async (h: Harness, title: string) => {
  const page = h.pd.createIncident({ title });
  await h.pd.trigger(page);
  return eventually(() => {
    const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(page.id) as
      { incident_id: number } | undefined;
    const i = row && h.bot.app.incidents.get(row.incident_id);
    return i?.channelId ? i : undefined;
  });
};

describe('policies on timers', () => {
  const h = useBot({ pagerduty: true, clock: true, settings: SETTINGS });
  const tick = async (at: number) => {
    h.clock.now = at;
    const n = h.bot.app.incidents.fireTimers();
    await settled(h.bot.app, () => h.clock.now);
    return n;
  };

  it('unacknowledged fires after its minutes, once, across a restart', async () => {
    const incident = await paged(h, 'Checkout 500s');
    const t0 = incident.declaredAt;
    expect(await tick(t0 + 9 * MIN)).toBe(0);
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath, {
      now: () => h.clock.now,
      env: { CONFIG_PATH: h.bot.config.configPath, ...pdEnv(h) },
    });
    expect(await tick(t0 + 10 * MIN)).toBe(1);
    expect(await tick(t0 + 11 * MIN)).toBe(0);
    expect(fired(h, incident.id)).toEqual([{ automation: 'wake-the-next-level', event: 'unacknowledged' }]);
    const notice = h.slack.ws.channelMessages(incident.channelId!).find((m) => m.text.startsWith(':robot_face:'))!;
    expect(notice.text).toContain(
      'Automation *wake-the-next-level* added a note and escalated the page to the next level because nobody acknowledged the page within 10 minutes',
    );
    expect(notice.text).toContain('Nobody acknowledged Checkout 500s in 10 minutes.');
    // PagerDuty is asked once, as the bot's sender, for the policy's next level.
    const puts = await eventually(() => {
      const p = h.pd.succeeded('PUT /incidents/{id}');
      return p.length > 0 ? p : undefined;
    });
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({ incident: { escalation_level: 2 } });
    expect(h.pd.incidents.get(incident.externalId!)!.escalationLevel).toBe(2);
  });

  it('unacknowledged does not fire when someone acknowledged first', async () => {
    const incident = await paged(h, 'Search errors');
    h.clock.now = incident.declaredAt + 2 * MIN;
    await h.bot.command('ack', { channel: incident.channelId! });
    expect(await tick(incident.declaredAt + 30 * MIN)).toBe(0);
    expect(fired(h, incident.id)).toEqual([]);
    // The acknowledgement is written back to PagerDuty; no escalation follows it.
    const escalations = h.pd.calls.filter(
      (c) => c.path.includes(incident.externalId!) && JSON.stringify(c.body).includes('escalation_level'),
    );
    expect(escalations).toEqual([]);
  });

  it('update_overdue fires for a sev1 without a public update, and not after one', async () => {
    const quiet = await declared(h, 'Payments down sev1');
    const t0 = quiet.incident.declaredAt;
    expect(await tick(t0 + 19 * MIN)).toBe(0);
    expect(await tick(t0 + 20 * MIN)).toBe(1);
    expect(fired(h, quiet.incident.id)).toEqual([{ automation: 'comms-overdue', event: 'update_overdue' }]);
    await eventually(() => h.slack.ws.channels.get(quiet.channel)!.members.has(BOB.id));

    const told = await declared(h, 'Login slow sev1');
    h.clock.now = told.incident.declaredAt + 5 * MIN;
    await h.bot.command('update investigating Looking into slow logins --public', { channel: told.channel });
    expect(await tick(told.incident.declaredAt + 25 * MIN)).toBe(0);

    const minor = await declared(h, 'Typo on the blog sev3');
    expect(await tick(minor.incident.declaredAt + 25 * MIN)).toBe(0);
  });
});

function pdEnv(h: Harness): Record<string, string> {
  return {
    PAGERDUTY_TOKEN: h.pd.token,
    PAGERDUTY_FROM: 'bot@example.com',
    PAGERDUTY_API_URL: h.pd.url,
    PAGERDUTY_WEBHOOK_SECRETS: 'pd-webhook-secret-current',
  };
}
