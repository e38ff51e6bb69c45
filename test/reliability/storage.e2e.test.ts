import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/sqlite-driver.ts';
import { ALICE, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const MB = 1024 * 1024;

const logged = (h: Harness, msg: string) =>
  h.logs.filter((l) => (JSON.parse(l) as { msg: string }).msg.startsWith(msg));

describe('the outbox when the database cannot be written', () => {
  const h = useBot({ pagerduty: true, logs: true, storage: { probeMs: 50 } });

  it('pauses when it cannot record a delivery, resumes by itself when a write succeeds, and opens the room once', async () => {
    const page = h.pd.createIncident({ title: 'Queue backlog' });
    // The channel is created while another process holds the write lock: its outcome cannot be recorded.
    h.slack.inject('conversations.create', { delayMs: 300 });
    h.bot.app.db.pragma('busy_timeout = 50');
    // Another process takes the write lock while the create is at Slack, before the bot can act on
    // its answer or start anything else (taking it when the answer is seen was too late: the bot
    // could record the outcome and start the next delivery first).
    const other = new Database(h.dbPath);
    const creating = new Promise<void>((resolve) => {
      const onRequest = (method: string) => {
        if (method !== 'conversations.create') return;
        h.slack.off('request', onRequest);
        other.exec('BEGIN IMMEDIATE');
        resolve();
      };
      h.slack.on('request', onRequest);
    });
    expect((await h.pd.trigger(page)).status).toBe(202);
    await creating;
    try {
      await eventually(() => !h.bot.app.storage.writable, 5000, 'the outbox to meet the locked database');
      // Counted once the create has been answered: any write while it was at Slack (a lease renewed,
      // say) may have met the lock first, and the fake records a call when it answers it.
      await eventually(() => h.slack.calls.some((c) => c.method === 'conversations.create'), 5000, 'the create');
      const callsWhilePaused = h.slack.calls.length;
      await new Promise((r) => setTimeout(r, 300));
      // Paused: nothing is done at Slack whose outcome could not be recorded.
      expect(h.slack.calls.length).toBe(callsWhilePaused);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await eventually(() => h.bot.app.storage.writable, 5000, 'a probe write to succeed');
    await settled(h.bot.app);
    const incident = h.bot.app.incidents.listOpen()[0]!;
    await eventually(() => h.bot.app.incidents.get(incident.id)?.summaryTs, 5000, 'the pinned summary');
    // The first create's outcome was lost: the retry looked before acting and adopted the channel.
    expect(h.slack.succeeded('conversations.create').length).toBeGreaterThanOrEqual(1);
    expect([...h.slack.ws.channels.values()].filter((c) => c.name.endsWith('queue-backlog'))).toHaveLength(1);
    expect(h.slack.ws.messages.filter((m) => m.pinned)).toHaveLength(1);
    // Said once when it stopped, once when it resumed: not once per row or per poll.
    expect(logged(h, 'database cannot be written')).toHaveLength(1);
    expect(logged(h, 'database writable again')).toHaveLength(1);
  }, 30_000);
});

describe('a database locked by another process', () => {
  const h = useBot({ pagerduty: true, storage: { probeMs: 50, freeBytes: () => 30_000 * MB } });

  it('refuses pages with 503 and commands, buttons and forms with the reason, then takes them once the lock is gone', async () => {
    const { incident, channel } = await declared(h, 'API latency sev3');
    h.bot.app.db.pragma('busy_timeout = 50');
    const other = new Database(h.dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      const page = h.pd.createIncident({ title: 'Locked out' });
      const eventId = 'evt-locked-1';
      const refused = await h.pd.trigger(page, { id: eventId });
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ error: 'storage_unavailable' });

      const command = await h.bot.command('note The lock holder is a backup', { channel });
      expect((command.body as { text: string }).text).toBe(
        'Could not record this: storage is locked by another process; nothing was changed. Try again in a few minutes.',
      );
      const click = await h.bot.click('incident_ack', String(incident.id), { user: ALICE.id, channel });
      expect(click.status).toBe(200);
      await eventually(
        () => h.slack.ws.ephemerals.find((e) => e.user === ALICE.id && e.text.includes('locked by another process')),
        5000,
        'the button refusal',
      );
      const form = await h.bot.submit(
        'incident_declare',
        { title: { value: { type: 'plain_text_input', value: 'From the form' } } },
        { user: ALICE.id, privateMetadata: JSON.stringify({ channel }) },
      );
      expect(form.status).toBe(200);
      expect(JSON.parse(form.text)).toMatchObject({ response_action: 'push' });
      expect(JSON.stringify(JSON.parse(form.text))).toContain('locked by another process');

      const ready = await fetch(`${h.bot.app.url}/readyz`);
      expect(ready.status).toBe(503);
      const checks = ((await ready.json()) as { checks: { name: string; reason?: string }[] }).checks;
      expect(checks.find((c) => c.name === 'storage')?.reason).toBe(
        'database: storage locked by another process, 30000 MB free',
      );
      expect(h.bot.app.incidents.get(incident.id)!.acknowledgedAt).toBeNull();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await eventually(() => h.bot.app.storage.writable, 5000, 'the lock to go');
    const page = [...h.pd.incidents.values()].find((p) => p.title === 'Locked out')!;
    expect((await h.pd.trigger(page, { id: 'evt-locked-1' })).status).toBe(202);
    expect((await h.pd.trigger(page, { id: 'evt-locked-1' })).status).toBe(202);
    await settled(h.bot.app);
    expect(
      h.slack.succeeded('conversations.create').filter((c) => String(c.args.name).endsWith('locked-out')),
    ).toHaveLength(1);
  }, 30_000);
});

describe('warning before the disk is full', () => {
  const volume = { free: 120 * MB };
  const h = useBot({ logs: true, storage: { freeBytes: () => volume.free } });

  it('reports free space as a metric, warns in /readyz (still ready) and in the log once a minute', async () => {
    const metrics = await (await fetch(`${h.bot.app.url}/metrics`)).text();
    expect(metrics).toContain(`incident_bot_storage_free_bytes ${120 * MB}`);
    expect(metrics).toContain('incident_bot_storage_writable 1');
    const answers = await Promise.all(Array.from({ length: 5 }, () => fetch(`${h.bot.app.url}/readyz`)));
    const body = (await answers[0]!.json()) as { checks: { name: string; details?: Record<string, unknown> }[] };
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200].map(() => answers[0]!.status));
    expect(answers[0]!.status).not.toBe(503);
    expect(body.checks.find((c) => c.name === 'storage')?.details).toEqual({
      free_mb: 120,
      warning: "120 MB free on the database's volume, below storage.min_free_mb (200)",
    });
    h.bot.app.checkpoint();
    expect(logged(h, "the database's volume is almost full")).toHaveLength(1);
  });

  it('checkpoints and truncates the WAL so the file does not grow without bound', async () => {
    for (let i = 0; i < 5; i++) await h.bot.command(`declare WAL growth ${i}`);
    await settled(h.bot.app);
    expect(statSync(`${h.dbPath}-wal`).size).toBeGreaterThan(0);
    const result = h.bot.app.checkpoint();
    expect(result.busy).toBe(false);
    expect(statSync(`${h.dbPath}-wal`).size).toBe(0);
  });
});
