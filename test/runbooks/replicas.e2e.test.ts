import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previousLife, replicaId } from '../../src/app/replica-id.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { RUNNER_SILENT_MS } from '../../src/runbooks/runner.ts';
import { JobLeases } from '../../src/scheduler/job-lease.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, CAROL, eventually, settled, startTestBot, tempDir } from '../helpers/test-bot.ts';
import { RUNBOOK_ACTION } from '../../src/slack/runbook-views.ts';
import { FIXTURES, runIdOf } from './helpers.ts';

describe('runbook runs on two replicas sharing one database', () => {
  it("leaves a live replica's run alone and reports it interrupted once that replica's heartbeat is silent", async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'settings.yaml'), `runbooks:\n  dir: ${FIXTURES}\n`);
    const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml') };
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const t0 = Date.now();
    // Each replica's clock: replica A's heartbeat says what its clock says, so a clock that stands
    // still is a replica that went silent (as a dead one does), without killing this test process.
    const clockA = { now: t0 };
    const clockB = { now: t0 };
    const a = await startTestBot(slack, dbPath, { env, now: () => clockA.now, replicaId: 'replica-a:4101:aaaaaa' });
    let b: Awaited<ReturnType<typeof startTestBot>> | undefined;
    try {
      await a.command('declare Two replicas sev3');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      const runId = runIdOf(await a.command('runbook run hang-long', { channel: incident.channelId! }));
      const repo = new RunbookRepository(a.app.db);
      await eventually(
        () => slack.ws.channelMessages(incident.channelId!).find((m) => m.text.includes('grandchild')),
        10_000,
        'the step to start',
      );
      expect(repo.get(runId)).toMatchObject({ status: 'running', runner: 'replica-a:4101:aaaaaa' });

      // B starts half a minute later while A is alive: its start and its sweep leave A's run alone.
      clockB.now = t0 + 30_000;
      b = await startTestBot(slack, dbPath, { env, now: () => clockB.now, replicaId: 'replica-b:4102:bbbbbb' });
      await b.app.sweepRunbooks();
      expect(repo.get(runId)!.status).toBe('running');
      // The scheduled jobs stay A's too: A took the maintenance job's lease at its start, B skipped it.
      expect(new JobLeases(b.app.db, b.app.replicaId, () => clockB.now).holderOf('maintenance')).toBe(
        'replica-a:4101:aaaaaa',
      );

      // A goes silent; once its last heartbeat is older than the bound (and any sweep lease it held
      // has run out), B's sweep reports the run interrupted, once.
      clockB.now = t0 + Math.max(RUNNER_SILENT_MS, 90_000) + 1;
      await b.app.sweepRunbooks();
      expect(repo.get(runId)!.status).toBe('interrupted');
      await b.app.sweepRunbooks();
      await settled(b.app, () => clockB.now);
      const notices = slack.ws
        .channelMessages(incident.channelId!)
        .filter((m) => m.text.startsWith(':warning: Runbook *hang-long* v1 was interrupted'));
      expect(notices).toHaveLength(1);
      expect(
        new IncidentRepository(a.app.db)
          .timeline(incident.id)
          .filter((e) => e.kind === 'runbook_finished')
          .map((e) => e.body),
      ).toEqual(['hang-long v1: interrupted']);
    } finally {
      await b?.app.stop(0);
      await a.app.stop(0);
      await slack.stop();
      tmp.cleanup();
    }
  });

  it('makes the replica that takes an approval the runner of the rest of the run', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'settings.yaml'), `runbooks:\n  dir: ${FIXTURES}\n`);
    const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml') };
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const a = await startTestBot(slack, dbPath, { env, replicaId: 'replica-a:4101:aaaaaa' });
    const b = await startTestBot(slack, dbPath, { env, replicaId: 'replica-b:4102:bbbbbb' });
    try {
      await a.command('declare Night shift sev3');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      const channel = incident.channelId!;
      const runId = runIdOf(await a.command('runbook run restart-db replica=db-1', { channel }));
      const repo = new RunbookRepository(a.app.db);
      await eventually(() => repo.get(runId)?.status === 'awaiting_approval' || undefined, 10_000, 'the approval');
      expect(repo.get(runId)!.runner).toBe('replica-a:4101:aaaaaa');
      // The load balancer sends the click to B: B runs the rest, so B's heartbeat now vouches for it.
      await b.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: ALICE.id, channel });
      const done = await eventually(
        () => (repo.get(runId)?.status === 'succeeded' ? repo.get(runId) : undefined),
        15_000,
        'the run to finish',
      );
      expect(done.runner).toBe('replica-b:4102:bbbbbb');
      expect(repo.steps(runId).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    } finally {
      await b.app.stop(0);
      await a.app.stop(0);
      await slack.stop();
      tmp.cleanup();
    }
  });
});

describe('which runner ids are an earlier life of this process', () => {
  const self = 'host-1:77:cafe01';
  const alive = new Set([500]);
  const earlier = previousLife(self, (pid) => alive.has(pid));

  it('is a runner on this host with our pid (a restarted container) or with no process behind its pid', () => {
    expect(earlier('host-1:77:0ld0ld')).toBe(true);
    expect(earlier('host-1:4242:0ld0ld')).toBe(true);
  });

  it('is never ourselves, a live process on this host, another host, or a malformed id', () => {
    expect(earlier(self)).toBe(false);
    expect(earlier('host-1:500:0ld0ld')).toBe(false);
    expect(earlier('host-2:77:0ld0ld')).toBe(false);
    expect(earlier('host-1:x:0ld0ld')).toBe(false);
    expect(earlier('host-1')).toBe(false);
  });

  it('names this process by host, pid and a random part, bounded', () => {
    const id = replicaId();
    expect(id).toMatch(new RegExp(`^[A-Za-z0-9._-]{1,64}:${process.pid}:[0-9a-f]{6}$`));
    expect(
      id.startsWith(
        hostname()
          .replace(/[^A-Za-z0-9._-]/g, '_')
          .slice(0, 64),
      ),
    ).toBe(true);
    expect(replicaId('h'.repeat(300), 1)).toHaveLength(64 + 1 + 1 + 1 + 6);
  });
});
