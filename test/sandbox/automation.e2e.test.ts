import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { eventually, settled } from '../helpers/test-bot.ts';

interface Paged {
  incident: { id: string; title: string };
}

describe('the sandbox shows an automation at work', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ PORT: '0', LOG_LEVEL: 'silent' }, createLogger('silent'));
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  /** The console's page buttons, as the page presses them: JSON, from its own origin. */
  const page = async (body: object) => {
    const res = await fetch(`${sandbox.url}/sandbox/api/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: sandbox.url },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Paged;
  };
  /** The incident the page opened, once its channel exists. */
  const incidentOf = (pdId: string) =>
    eventually(() => {
      const row = sandbox.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(pdId) as
        { incident_id: number } | undefined;
      const incident = row && sandbox.app.incidents.get(row.incident_id);
      return incident?.channelId ? incident : undefined;
    });
  const timeline = (id: number) =>
    sandbox.app.db.prepare('SELECT kind, body FROM timeline_events WHERE incident_id = ? ORDER BY id').all(id) as {
      kind: string;
      body: string | null;
    }[];
  const runsOf = (id: number) =>
    sandbox.app.db.prepare('SELECT runbook, requested_by FROM runbook_runs WHERE incident_id = ?').all(id);
  const messages = (channel: string) => sandbox.slack.ws.channelMessages(channel);

  it('the disk page runs the example runbook in the channel with nobody typing anything', async () => {
    const paged = await page({ alert: 'disk' });
    expect(paged.incident.title).toMatch(/disk/i);
    const incident = await incidentOf(paged.incident.id);
    const channel = incident.channelId!;

    // The channel says what fired and why, and the runbook's output arrives in a thread.
    const notice = await eventually(() => messages(channel).find((m) => m.text.startsWith(':robot_face:')));
    expect(notice.text).toContain('Automation *disk-full* ran runbook dns-lookup');
    const output = await eventually(
      () => messages(channel).find((m) => m.thread_ts && /127\.0\.0\.1|::1/.test(m.text)),
      15_000,
      'the runbook output in a thread',
    );
    expect(output.thread_ts).toBeTruthy();
    await settled(sandbox.app);

    expect(timeline(incident.id).find((e) => e.kind === 'automation_fired')?.body).toBe(
      "automation disk-full ran runbook dns-lookup and added a note because the page's title matched 'disk (full|usage)'",
    );
    expect(timeline(incident.id).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['runbook_started', 'runbook_finished']),
    );
    expect(runsOf(incident.id)).toEqual([{ runbook: 'dns-lookup', requested_by: 'automation:disk-full' }]);
    // The note is filled from the page: the newcomer sees where the values come from.
    expect(messages(channel).some((m) => m.text.includes(paged.incident.title))).toBe(true);
  });

  it('the ordinary page button runs nothing by itself', async () => {
    const paged = await page({});
    expect(paged.incident.title).not.toMatch(/disk/i);
    const incident = await incidentOf(paged.incident.id);
    await settled(sandbox.app);
    expect(timeline(incident.id).some((e) => e.kind.startsWith('automation'))).toBe(false);
    expect(runsOf(incident.id)).toEqual([]);
    expect(messages(incident.channelId!).some((m) => m.text.startsWith(':robot_face:'))).toBe(false);
  });

  it('refuses a preset the sandbox does not have', async () => {
    const res = await fetch(`${sandbox.url}/sandbox/api/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: sandbox.url },
      body: JSON.stringify({ alert: 'meteor' }),
    });
    expect(res.status).toBe(400);
  });
});
