import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/types.ts';
import { ALICE, CAROL, PD_ALICE, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `comms:\n  rotation: [${ALICE.id}, ${CAROL.id}]\n`;
const refusedNotice = (t: string) => t.startsWith(":warning: PagerDuty refused the bot's API token");

const readyz = async (h: Harness) => {
  const res = await fetch(`${h.bot.app.url}/readyz`);
  const text = await res.text();
  const body = JSON.parse(text) as { status: string; checks: { name: string; ok: boolean; reason?: string }[] };
  return { status: res.status, text, body, pagerduty: body.checks.find((c) => c.name === 'pagerduty') };
};

const roomOf = (h: Harness, pdIncidentId: string) =>
  eventually(
    () => {
      const row = h.bot.app.db
        .prepare('SELECT incident_id FROM incident_links WHERE external_id = ?')
        .get(pdIncidentId) as { incident_id: number } | undefined;
      const i: Incident | undefined = row && h.bot.app.incidents.get(row.incident_id);
      return i?.summaryTs && h.slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    },
    10_000,
    `the room of ${pdIncidentId}`,
  );
const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);

describe('PagerDuty refuses the bot’s token', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });

  it('/readyz names the fix while PagerDuty refuses the token (401), without the token, and clears once it takes it again', async () => {
    const token = h.pd.token;
    expect((await readyz(h)).body.status).toBe('ready');
    h.pd.revokeToken();
    const page = h.pd.createIncident({ title: 'Login failures', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await roomOf(h, page.id);
    await eventually(() => posts(h, incident.channelId!).some(refusedNotice), 10_000, 'the refusal notice');

    const refused = await readyz(h);
    // The bot still serves (rooms open, Slack works): the reason is listed, the bot is not taken out of service.
    expect(refused.status).toBe(200);
    expect(refused.body.status).toBe('degraded');
    expect(refused.pagerduty).toEqual({
      name: 'pagerduty',
      ok: false,
      reason:
        'PagerDuty refused the API token (401): PAGERDUTY_TOKEN is wrong or revoked; ' +
        'set a valid REST API key (not read-only, from Integrations → API Access Keys) and restart',
    });
    expect(refused.text).not.toContain(token);

    h.pd.reinstateToken();
    await eventually(
      () => h.slack.ws.channels.get(incident.channelId!)!.members.has(ALICE.id),
      10_000,
      'Alice invited once PagerDuty takes the token',
    );
    const recovered = await readyz(h);
    expect(recovered.status).toBe(200);
    expect(recovered.body.status).toBe('ready');
    expect(recovered.pagerduty).toEqual({ name: 'pagerduty', ok: true });
    expect(posts(h, incident.channelId!).filter(refusedNotice)).toHaveLength(1);
  });

  it('a 403 (a key that may not do this) is named too, with its own fix', async () => {
    const page = h.pd.createIncident({ title: 'Cart errors', assignees: [PD_ALICE] });
    h.pd.inject(...Array.from({ length: 1000 }, () => ({ status: 403 as const })));
    try {
      await h.pd.trigger(page);
      await roomOf(h, page.id);
      // The lookup meets the 403 soon after the room opens.
      let reason: string | undefined;
      for (let i = 0; i < 200 && !reason; i++) {
        reason = (await readyz(h)).pagerduty?.reason;
        if (!reason) await new Promise((r) => setTimeout(r, 50));
      }
      expect(reason).toMatch(
        /^PagerDuty refused the API token \(403\): the key may not do this; set PAGERDUTY_TOKEN to a REST API key that is not read-only/,
      );
    } finally {
      h.pd.clearFaults();
    }
  });
});
