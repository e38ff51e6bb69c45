import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMS_ACTION } from '../../src/slack/comms-views.ts';
import { incidentData, webhookBody, type FakePdIncident } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { ALICE, PD_ALICE, PD_BOB, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const MB = 1024 * 1024;
const STORAGE_FULL = 'Could not record this: storage is full; nothing was changed.';

/** The database "fills up" for real: SQLite refuses to grow the file past its current size (SQLITE_FULL). */
function fillDatabase(h: Harness): void {
  const pages = h.bot.app.db.pragma('page_count', { simple: true }) as number;
  h.bot.app.db.pragma(`max_page_count = ${pages}`);
}

/** Space comes back: the file may grow again. */
function freeSpace(h: Harness): void {
  h.bot.app.db.pragma('max_page_count = 1073741823');
}

/** Every uncaught exception or unhandled rejection while a test runs: the process must have none. */
function watchProcess() {
  const escaped: unknown[] = [];
  const onError = (error: unknown) => escaped.push(error);
  beforeEach(() => {
    escaped.length = 0;
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
  });
  afterEach(() => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  });
  return escaped;
}

const count = (h: Harness, sql: string, ...args: unknown[]) =>
  h.bot.app.db
    .prepare(sql)
    .pluck()
    .get(...args) as number;

describe('a full disk', () => {
  const volume = { free: 50_000 * MB };
  const h = useBot({ pagerduty: true, storage: { freeBytes: () => volume.free, probeMs: 50 } });
  const escaped = watchProcess();

  it('refuses or records every write while full, keeps the status page up, and opens one room per redelivered page', async () => {
    // Something committed for the status page to show while the disk is full.
    const { channel } = await declared(h, 'Checkout is down sev2');
    const published = await h.bot.command('update identified Bad deploy --public', { channel });
    expect(published.status).toBe(200);
    const statusBefore = await (await fetch(`${h.bot.app.url}/api/v2/summary.json`)).text();

    volume.free = 2 * MB;
    fillDatabase(h);
    const pagers: FakePdIncident[] = Array.from({ length: 12 }, (_, i) =>
      h.pd.createIncident({ title: `Disk full page ${i}`, assignees: [i % 2 ? PD_ALICE : PD_BOB] }),
    );
    const events = pagers.map((p) => ({ pd: p, body: webhookBody('incident.triggered', incidentData(p)) }));
    const statusPaths = ['/status', '/api/v2/summary.json', '/status/history.atom', '/healthz'];

    // Pages, commands, a button and status-page reads, all at once, against a database that cannot grow.
    const [pages, commands, reads] = await Promise.all([
      Promise.all(events.map((e) => h.pd.send(e.body))),
      Promise.all([
        h.bot.command('declare Payments slow sev3'),
        h.bot.command('note Rolled back the deploy at 10:02', { channel }),
        h.bot.command('sev 1', { channel }),
        h.bot.command('declare Search down sev2'),
      ]),
      Promise.all(
        Array.from({ length: 3 }, () => statusPaths).flatMap((paths) =>
          paths.map(async (path) => {
            const res = await fetch(`${h.bot.app.url}${path}`);
            return { path, status: res.status };
          }),
        ),
      ),
    ]);

    // Pages: recorded (202) or refused with 503 + Retry-After; at least one refused, since the disk is full.
    const refused = events.filter((_, i) => pages[i]!.status === 503);
    expect(pages.every((p) => p.status === 202 || p.status === 503)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    expect(pages.filter((p) => p.status === 503).every((p) => p.json.error === 'storage_unavailable')).toBe(true);
    // Commands: each answered, either done or told that nothing was changed.
    for (const c of commands) {
      expect(c.status).toBe(200);
      const text = (c.body as { text?: string }).text ?? '';
      expect(text.startsWith(STORAGE_FULL) || !/went wrong/.test(text)).toBe(true);
    }
    expect(commands.some((c) => ((c.body as { text?: string }).text ?? '').startsWith(STORAGE_FULL))).toBe(true);
    // The status page and its API answered throughout, from what is committed: unchanged, unless the
    // severity change fitted in the pages the database still had (then it was recorded, and shows).
    expect(reads.every((r) => r.status === 200)).toBe(true);
    const sevRecorded = !((commands[2]!.body as { text?: string }).text ?? '').startsWith(STORAGE_FULL);
    const statusNow = await (await fetch(`${h.bot.app.url}/api/v2/summary.json`)).text();
    expect(statusNow).toBe(
      sevRecorded ? statusBefore.replace('"impact":"major"', '"impact":"critical"') : statusBefore,
    );

    // Readiness says why; liveness stays up.
    const ready = await fetch(`${h.bot.app.url}/readyz`);
    const readyBody = (await ready.json()) as { checks: { name: string; reason?: string }[] };
    expect(ready.status).toBe(503);
    expect(readyBody.checks.find((c) => c.name === 'storage')?.reason).toBe('database: disk full, 2 MB free');
    expect((await fetch(`${h.bot.app.url}/healthz`)).status).toBe(200);

    // Never half-done: a refused page left no inbox row and no incident; a recorded one has its room queued.
    for (const e of refused) {
      expect(count(h, 'SELECT count(*) FROM inbox WHERE delivery_id = ?', e.body.event.id)).toBe(0);
      expect(count(h, 'SELECT count(*) FROM incidents WHERE external_id = ?', e.pd.id)).toBe(0);
    }
    const incidents = count(h, 'SELECT count(*) FROM incidents');
    expect(count(h, "SELECT count(DISTINCT incident_id) FROM outbox WHERE kind = 'channel.create'")).toBe(incidents);

    // Space returns: nothing restarts; the outbox resumes by itself and PagerDuty redelivers the same event ids.
    volume.free = 50_000 * MB;
    freeSpace(h);
    await eventually(() => h.bot.app.storage.writable, 10_000, 'the storage to be writable again');
    const redelivered = await Promise.all(events.map((e) => h.pd.send(e.body)));
    expect(redelivered.map((r) => r.status)).toEqual(events.map(() => 202));
    await settled(h.bot.app);
    for (const p of pagers) {
      expect(count(h, 'SELECT count(*) FROM incidents WHERE external_id = ?', p.id)).toBe(1);
    }
    const rooms = h.slack.succeeded('conversations.create').map((c) => String(c.args.name));
    pagers.forEach((_, i) => expect(rooms.filter((name) => name.endsWith(`disk-full-page-${i}`))).toHaveLength(1));
    expect((await fetch(`${h.bot.app.url}/readyz`)).status).not.toBe(503);
    expect(escaped).toEqual([]);
  }, 60_000);

  it('answers a command ephemerally, and a button, while full; nothing changes', async () => {
    const { incident, channel } = await declared(h, 'Login errors sev3');
    fillDatabase(h);
    // Whatever room is left in the file's last pages is used up first, by short notes, until one is refused.
    const notes: string[] = [];
    for (let i = 0; i < 500; i++) {
      const res = await h.bot.command(`note Filler ${i}`, { channel });
      notes.push((res.body as { text?: string }).text ?? '');
      if (notes.at(-1)!.startsWith(STORAGE_FULL)) break;
    }
    expect(notes.at(-1)).toMatch(/^Could not record this: storage is full; nothing was changed/);
    const events = count(h, 'SELECT count(*) FROM timeline_events WHERE incident_id = ?', incident.id);

    const click = await h.bot.click('incident_ack', String(incident.id), { user: ALICE.id, channel });
    expect(click.status).toBe(200);
    await eventually(
      () => h.slack.ws.ephemerals.find((m) => m.user === ALICE.id && m.text.startsWith(STORAGE_FULL)),
      5000,
      'the ephemeral refusal of the button',
    );
    // The comms lead's confirm button runs a command too, and says the same.
    await h.bot.click(COMMS_ACTION.confirm, `role comms <@${ALICE.id}> --both`, { user: ALICE.id, channel });
    await eventually(
      () => h.slack.ws.ephemerals.filter((m) => m.user === ALICE.id && m.text.startsWith(STORAGE_FULL)).length === 2,
      5000,
      'the ephemeral refusal of the comms confirm button',
    );
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe(incident.status);
    expect(count(h, 'SELECT count(*) FROM timeline_events WHERE incident_id = ?', incident.id)).toBe(events);
    freeSpace(h);
    expect(escaped).toEqual([]);
  }, 30_000);
});
