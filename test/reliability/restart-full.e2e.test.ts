import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  WEBHOOK_SECRET,
  eventually,
  pagerDutyEnv,
  settled,
  startTestBot,
  tempDir,
  type TestBot,
} from '../helpers/test-bot.ts';
import { FIXTURES, alive, runIdOf } from '../runbooks/helpers.ts';

const MB = 1024 * 1024;

/**
 * The disk fills while the bot is down: the file may not grow past its size, and the pages it has
 * free are used up (by rows of the probe's own table, which the first write that works clears).
 * Returns the file's size in pages, for the next start to be held to.
 */
function fillStoppedDatabase(path: string): number {
  const db = openDatabase(path);
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const insert = db.prepare('INSERT INTO storage_probe (probed_at, pad) VALUES (0, zeroblob(?))');
    for (const pad of [65_536, 4096, 512, 64, 1]) {
      for (;;) {
        try {
          insert.run(pad);
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_FULL') throw error;
          break;
        }
      }
    }
    return pages;
  } finally {
    db.close();
  }
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

describe('a restart while the disk is full', () => {
  const escaped = watchProcess();

  it('starts degraded (status page up, /readyz 503, pages 503) and, once space returns, marks the interrupted run and opens one room per redelivered page', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'settings.yaml'), `runbooks:\n  dir: ${FIXTURES}\n`);
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB] }).start();
    const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml'), ...pagerDutyEnv(pd) };
    const dbPath = join(tmp.dir, 'bot.db');
    const volume = { free: 2 * MB };
    let second: TestBot | undefined;
    try {
      // A run is mid-step when the bot stops; then the disk fills while it is down.
      const first = await startTestBot(slack, dbPath, { env });
      await first.command('declare Restart on a full disk sev3');
      const incident = await eventually(() => first.app.incidents.listOpen().find((i) => i.channelId));
      const runId = runIdOf(await first.command('runbook run hang-long', { channel: incident.channelId! }));
      const output = await eventually(
        () => slack.ws.channelMessages(incident.channelId!).find((m) => m.text.includes('grandchild'))?.text,
      );
      const { grandchild } = JSON.parse(/\{.*\}/.exec(output)![0]) as { grandchild: number };
      await first.app.stop(3000);
      await eventually(() => !alive(grandchild), 5000, "the step's processes to be gone");
      const statusBefore = await (async () => {
        const db = openDatabase(dbPath);
        try {
          return new RunbookRepository(db).get(runId)!.status;
        } finally {
          db.close();
        }
      })();
      expect(statusBefore).toBe('running');
      const pages = fillStoppedDatabase(dbPath);

      // The restart: the bot comes up on the full disk instead of crashing.
      second = await startTestBot(slack, dbPath, {
        env,
        storage: { freeBytes: () => volume.free, probeMs: 50, maxPageCount: pages },
      });
      const bot = second;
      pd.subscribe(`${bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
      expect(bot.app.storage.writable).toBe(false);
      for (const path of ['/healthz', '/status', '/api/v2/summary.json', '/status/history.atom']) {
        expect((await fetch(`${bot.app.url}${path}`)).status, path).toBe(200);
      }
      const ready = await fetch(`${bot.app.url}/readyz`);
      const readyBody = (await ready.json()) as { checks: { name: string; reason?: string }[] };
      expect(ready.status).toBe(503);
      expect(readyBody.checks.find((c) => c.name === 'storage')?.reason).toBe('database: disk full, 2 MB free');

      // A page is refused with 503 and Retry-After: PagerDuty retries it.
      // Its text is long enough to need new pages (overflow pages): no leaf's spare bytes can take it.
      const pdIncident = pd.createIncident({ title: `Full disk page ${'💾'.repeat(2900)}`, assignees: [PD_ALICE] });
      const roomsBefore = slack.succeeded('conversations.create').length;
      const body = JSON.stringify(webhookBody('incident.triggered', incidentData(pdIncident)));
      const deliver = () =>
        fetch(`${bot.app.url}/webhooks/pagerduty`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-pagerduty-signature': pagerDutySignatureHeader(body, [WEBHOOK_SECRET]),
          },
        });
      const refused = await deliver();
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // The run waits to be marked until a write can record it.
      expect(new RunbookRepository(bot.app.db).get(runId)!.status).toBe('running');

      // Space returns: no restart; the deferred start-up writes run, and the redelivered page opens one room.
      volume.free = 50_000 * MB;
      bot.app.db.pragma('max_page_count = 1073741823');
      await eventually(() => bot.app.storage.writable, 10_000, 'the storage to be writable again');
      await eventually(
        () => new RunbookRepository(bot.app.db).get(runId)!.status === 'interrupted',
        10_000,
        'the run to be marked interrupted',
      );
      const redelivered = await deliver();
      expect(redelivered.status).toBe(202);
      expect((await deliver()).status).toBe(202);
      await settled(bot.app);
      expect(slack.succeeded('conversations.create').length - roomsBefore).toBe(1);
      const pageRows = bot.app.db
        .prepare('SELECT count(*) FROM incidents WHERE external_id = ?')
        .pluck()
        .get(pdIncident.id);
      expect(pageRows).toBe(1);
      const notices = slack.ws
        .channelMessages(incident.channelId!)
        .filter((m) => m.text.startsWith(':warning: Runbook *hang-long* v1 was interrupted'));
      expect(notices).toHaveLength(1);
      expect((await fetch(`${bot.app.url}/readyz`)).status).not.toBe(503);
      expect(escaped).toEqual([]);
    } finally {
      await second?.app.stop(0);
      await slack.stop();
      await pd.stop();
      tmp.cleanup();
    }
  }, 60_000);
});
