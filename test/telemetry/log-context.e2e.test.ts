import { describe, expect, it } from 'vitest';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { PD_ALICE, declared, eventually, settled, useBot } from '../helpers/test-bot.ts';
import { FIXTURES, finished, runIdOf } from '../runbooks/helpers.ts';

type Line = Record<string, unknown> & { event?: string; msg: string; cause?: Record<string, unknown> };
const lines = (logs: string[]) => logs.map((l) => JSON.parse(l) as Line);

describe('log lines carry what caused them, across the outbox and into runbook runs', () => {
  const h = useBot({ pagerduty: true, logs: true, settings: `runbooks:\n  dir: ${FIXTURES}\n` });

  it("a page's deliveries name the webhook event behind them, and each main line names its event", async () => {
    const page = h.pd.createIncident({ title: 'Checkout is down', assignees: [PD_ALICE] });
    const res = await h.pd.send(webhookBody('incident.triggered', incidentData(page), { id: 'EVT-LOG-1' }));
    expect(res.status).toBe(202);
    await eventually(() => h.bot.app.incidents.listOpen()[0]?.summaryTs, 10_000, 'the room');
    await settled(h.bot.app);

    const all = lines(h.logs);
    const accepted = all.find((l) => l.event === 'webhook.accepted');
    expect(accepted).toMatchObject({ source: 'pagerduty', event_id: 'EVT-LOG-1', outcome: 'opened' });
    const delivered = all.filter((l) => l.event === 'outbox.delivered');
    expect(delivered.map((l) => l.kind)).toEqual(
      expect.arrayContaining(['channel.create', 'channel.post_summary', 'channel.pin_summary']),
    );
    for (const line of delivered.filter((l) => String(l.kind).startsWith('channel.'))) {
      expect(line).toMatchObject({
        incident_id: accepted!.incident_id,
        cause: { source: 'pagerduty', event_id: 'EVT-LOG-1' },
      });
    }
  });

  it('a runbook run and the effects it queues name the Slack command that started it', async () => {
    const { channel } = await declared(h, 'Replica lag sev2');
    h.logs.length = 0;
    const reply = await h.bot.command('runbook run argv value=x mode=careful count=1', { channel });
    const run = await finished(h, runIdOf(reply));
    await settled(h.bot.app);

    const all = lines(h.logs);
    const started = all.find((l) => l.event === 'runbook.started');
    const done = all.find((l) => l.event === 'runbook.finished');
    expect(started).toMatchObject({ run_id: run.id, cause: { source: 'slack', request_id: expect.any(String) } });
    expect(done).toMatchObject({ run_id: run.id, status: 'succeeded', cause: started!.cause });
    const notice = all.find((l) => l.event === 'outbox.delivered' && l.kind === 'channel.notice');
    expect(notice?.cause).toEqual(started!.cause);
  });
});
