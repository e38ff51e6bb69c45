import { describe, expect, it } from 'vitest';
import {
  incidentData,
  noteData,
  webhookBody,
  type FakePdIncident,
} from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { PD_ALICE, PD_BOB, PD_CAROL, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

/**
 * PagerDuty does not promise delivery order, and redelivers what failed: an event may arrive after
 * newer ones. Each event says when it happened (`occurred_at`); an older one must not roll back
 * what a newer one set.
 */
describe('PagerDuty events delivered out of order', () => {
  const h = useBot({ pagerduty: true });

  const at = (ms: number) => ({ occurredAt: new Date(ms).toISOString(), agent: PD_BOB });
  const send = async (type: string, data: Record<string, unknown>, ms: number) =>
    (await h.pd.send(webhookBody(type, data, at(ms)))).json;
  const opened = async (title: string, t0: number) => {
    const page = h.pd.createIncident({ title, assignees: [PD_ALICE], priority: 'P3' });
    await h.pd.send(webhookBody('incident.triggered', incidentData(page), at(t0)));
    const incident = await eventually(
      () => {
        const row = h.bot.app.db
          .prepare('SELECT incident_id FROM incident_links WHERE external_id = ?')
          .get(page.id) as { incident_id: number } | undefined;
        const i = row && h.bot.app.incidents.get(row.incident_id);
        return i?.summaryTs ? i : undefined;
      },
      10_000,
      `incident for ${page.id}`,
    );
    return { page, incident };
  };
  const resolvedData = (page: FakePdIncident) => incidentData({ ...page, status: 'resolved' });
  const stateOf = (id: number) => h.bot.app.incidents.get(id)!;
  const posts = (h: Harness, id: number) => h.slack.ws.channelMessages(stateOf(id).channelId!).map((m) => m.text);

  it('an old resolved delivered after the reopen that followed it leaves the incident open', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Flapping checks', t);
    await send('incident.resolved', resolvedData(page), t + 1000);
    await send('incident.reopened', incidentData(page), t + 3000);
    expect(stateOf(incident.id).status).toBe('investigating');
    // A resolve from before the reopen (its first delivery failed; PagerDuty tried again later).
    const late = await send('incident.resolved', resolvedData(page), t + 2000);
    expect(late).toMatchObject({ status: 'stale', incident_id: incident.id });
    expect(stateOf(incident.id)).toMatchObject({ status: 'investigating', resolvedAt: null });
    await settled(h.bot.app);
    expect(posts(h, incident.id).filter((p) => p?.includes('Resolved by'))).toHaveLength(1);
  });

  it('a reopen that arrives before the resolve it followed still wins', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Reordered', t);
    // Seen first, while the incident still looks open to us: nothing to reopen, but it is the newest word.
    expect(await send('incident.reopened', incidentData(page), t + 3000)).toMatchObject({ status: 'no_change' });
    expect(await send('incident.resolved', resolvedData(page), t + 2000)).toMatchObject({ status: 'stale' });
    expect(stateOf(incident.id).status).toBe('investigating');
  });

  it('an event with the same time as the newest applied one is applied, in the order it arrives', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Same millisecond', t);
    await send('incident.resolved', resolvedData(page), t + 1000);
    expect(await send('incident.reopened', incidentData(page), t + 1000)).toMatchObject({ status: 'applied' });
    expect(stateOf(incident.id).status).toBe('investigating');
    expect(await send('incident.resolved', resolvedData(page), t + 1000)).toMatchObject({ status: 'applied' });
    expect(stateOf(incident.id).status).toBe('resolved');
  });

  it('an old priority change does not undo a newer one', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Severity race', t);
    await send('incident.priority_updated', incidentData({ ...page, priority: 'P1' }), t + 2000);
    expect(await send('incident.priority_updated', incidentData({ ...page, priority: 'P2' }), t + 1000)).toMatchObject({
      status: 'stale',
    });
    expect(stateOf(incident.id).severity).toBe('sev1');
  });

  it('an old reassignment neither announces nor invites the earlier assignees', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Handed around', t);
    await send('incident.reassigned', incidentData({ ...page, assignees: [PD_BOB] }), t + 2000);
    expect(await send('incident.reassigned', incidentData({ ...page, assignees: [PD_CAROL] }), t + 1000)).toMatchObject(
      { status: 'stale' },
    );
    await settled(h.bot.app);
    expect(posts(h, incident.id).filter((p) => p?.includes('Reassigned'))).toEqual([
      ':arrow_right: Reassigned in PagerDuty to *Bob Berg*.',
    ]);
  });

  it('orders each part of the incident on its own: a newer note or priority change does not hold back an older resolve', async () => {
    const t = Date.now() - 60_000;
    const { page, incident } = await opened('Independent parts', t);
    await send('incident.annotated', noteData(page, 'looking at the database'), t + 3000);
    await send('incident.priority_updated', incidentData({ ...page, priority: 'P1' }), t + 3000);
    expect(await send('incident.resolved', resolvedData(page), t + 2000)).toMatchObject({ status: 'applied' });
    expect(stateOf(incident.id)).toMatchObject({ status: 'resolved', severity: 'sev1' });
    // And an older note still reaches the timeline: notes add, they do not undo.
    expect(await send('incident.annotated', noteData(page, 'an earlier thought'), t + 1000)).toMatchObject({
      status: 'applied',
    });
  });
});
