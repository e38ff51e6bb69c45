import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previousLife, replicaId } from '../../src/app/replica-id.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { RUNNER_SILENT_MS } from '../../src/runbooks/runner.ts';
import { JobLeases } from '../../src/scheduler/job-lease.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, CAROL, eventually, settled, startTestBot, tempDir } from '../helpers/test-bot.ts';
import { RUNBOOK_ACTION } from '../../src/slack/runbook-views.ts';
import { alive, FIXTURES, runIdOf } from './helpers.ts';

/**
 * Two replicas, A and B, on one database and one fake Slack, with the runbooks of `runbooks`; with
 * `clocks`, each on its own clock; with `logsA`, A's log lines collected there.
 */
async function twoReplicas(
  runbooks: string,
  o: { clocks?: { a: { now: number }; b: { now: number } }; logsA?: string[] } = {},
) {
  const tmp = tempDir();
  writeFileSync(join(tmp.dir, 'settings.yaml'), `runbooks:\n  dir: ${runbooks}\n`);
  const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml') };
  const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
  const dbPath = join(tmp.dir, 'bot.db');
  const { clocks, logsA } = o;
  const a = await startTestBot(slack, dbPath, {
    env,
    replicaId: 'replica-a:4101:aaaaaa',
    ...(clocks ? { now: () => clocks.a.now } : {}),
    ...(logsA ? { logTo: logsA } : {}),
  });
  const b = await startTestBot(slack, dbPath, {
    env,
    replicaId: 'replica-b:4102:bbbbbb',
    ...(clocks ? { now: () => clocks.b.now } : {}),
  });
  const stop = async () => {
    await b.app.stop(0);
    await a.app.stop(0);
    await slack.stop();
    tmp.cleanup();
  };
  return { a, b, slack, stop };
}

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
    const { a, b, stop } = await twoReplicas(FIXTURES);
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
      await stop();
    }
  });
});

const notices = (slack: FakeSlack, channel: string, runId: number) =>
  slack.ws.channelMessages(channel).filter((m) => m.text.includes(`— run #${runId}, started by`));

describe('a run stopped or taken over by another replica', () => {
  const dir = tempDir();
  const script = (name: string) => JSON.stringify(join(FIXTURES, 'scripts', name));
  const gate = join(dir.dir, 'gate');
  const runbooks = join(dir.dir, 'runbooks');
  mkdirSync(runbooks);
  writeFileSync(
    join(runbooks, 'gated.yaml'),
    [
      'name: gated',
      'version: 1',
      'description: Waits for a gate the test opens, then one more step.',
      'steps:',
      '  - name: wait',
      `    exec: { program: node, args: [${script('wait-for.mjs')}, ${JSON.stringify(gate)}], timeout_seconds: 120 }`,
      '  - name: after',
      `    exec: { program: node, args: [${script('argv.mjs')}, after] }`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(runbooks, 'hang-long.yaml'), readFileSync(join(FIXTURES, 'hang-long.yaml'), 'utf8'));
  mkdirSync(join(runbooks, 'scripts'));
  writeFileSync(join(runbooks, 'scripts', 'hang.mjs'), readFileSync(join(FIXTURES, 'scripts', 'hang.mjs'), 'utf8'));
  afterAll(() => dir.cleanup());

  it('kills the step on the replica executing it when another replica takes the stop, and ends the run once', async () => {
    const { a, b, slack, stop } = await twoReplicas(runbooks);
    try {
      await a.command('declare Stop from afar sev3');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      const channel = incident.channelId!;
      const runId = runIdOf(await a.command('runbook run hang-long', { channel }));
      const output = await eventually(
        () => slack.ws.channelMessages(channel).find((m) => m.text.includes('grandchild'))?.text,
        10_000,
        'the step to start',
      );
      const { pid, grandchild } = JSON.parse(/\{.*\}/.exec(output)![0]) as { pid: number; grandchild: number };
      // The load balancer sends the stop to B, which executes nothing of this run.
      const reply = await b.command(`runbook stop ${runId}`, { channel });
      expect((reply.body as { text: string }).text).toBe(`Stopping run #${runId}.`);
      const repo = new RunbookRepository(a.app.db);
      const done = await eventually(
        () => (repo.get(runId)?.status === 'running' ? undefined : repo.get(runId)),
        10_000,
        'the run to end',
      );
      expect(done).toMatchObject({ status: 'killed', stoppedBy: ALICE.id, runner: 'replica-a:4101:aaaaaa' });
      await eventually(() => !alive(pid) && !alive(grandchild), 5000, "the step's processes to be gone");
      expect(repo.steps(runId).map((s) => [s.name, s.status])).toEqual([['wait', 'killed']]);
      await settled(a.app);
      await settled(b.app);
      const events = new IncidentRepository(a.app.db).timeline(incident.id);
      expect(events.filter((e) => e.kind === 'runbook_stopped').map((e) => e.actor)).toEqual([ALICE.id]);
      expect(events.filter((e) => e.kind === 'runbook_finished').map((e) => e.body)).toEqual(['hang-long v1: killed']);
      expect(notices(slack, channel, runId).map((m) => m.text.split(' — ')[0])).toEqual([
        ':octagonal_sign: Runbook *hang-long* v1 killed',
      ]);
    } finally {
      await stop();
    }
  });

  it('stops the step of a stalled replica whose run another replica reported interrupted, and records nothing more', async () => {
    const t0 = Date.now();
    // A's clock stands still, so its heartbeat says t0 however long the test takes: a silent replica.
    const clocks = { a: { now: t0 }, b: { now: t0 + 30_000 } };
    const logsA: string[] = [];
    const { a, b, slack, stop } = await twoReplicas(runbooks, { clocks, logsA });
    try {
      await a.command('declare Stalled runner sev3');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      const channel = incident.channelId!;
      const runId = runIdOf(await a.command('runbook run gated', { channel }));
      await eventually(
        () => slack.ws.channelMessages(channel).find((m) => m.text.includes('waiting for')),
        10_000,
        'the step to start',
      );
      // B's sweep finds A silent past the bound and reports the run interrupted.
      clocks.b.now = t0 + Math.max(RUNNER_SILENT_MS, 90_000) + 1;
      await b.app.sweepRunbooks();
      const repo = new RunbookRepository(b.app.db);
      expect(repo.get(runId)!.status).toBe('interrupted');

      // A looks again and finds the run is no longer its own: it stops the step (the gate never opens),
      // whose outcome nobody would record and which a person told "interrupted" may be running again.
      const warned = await eventually(
        () => logsA.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'runbook.not_ours'),
        10_000,
        "A's warning",
      );
      expect(warned).toMatchObject({ level: 40, run_id: runId, incident_id: incident.id });
      await settled(a.app, () => clocks.a.now);
      await settled(b.app, () => clocks.b.now);
      expect(repo.get(runId)).toMatchObject({ status: 'interrupted', runner: 'replica-a:4101:aaaaaa' });
      expect(repo.steps(runId)).toEqual([]);
      const events = new IncidentRepository(b.app.db).timeline(incident.id);
      expect(events.filter((e) => e.kind.startsWith('runbook_')).map((e) => [e.kind, e.body])).toEqual([
        ['runbook_started', 'gated v1'],
        ['runbook_finished', 'gated v1: interrupted'],
      ]);
      expect(notices(slack, channel, runId).map((m) => m.text.split(' — ')[0])).toEqual([
        ':warning: Runbook *gated* v1 was interrupted by a restart of the bot; it was not resumed, check what it did and run it again if needed',
      ]);
    } finally {
      await stop();
    }
  });
});

describe('two clicks on one waiting run, taken on two replicas at once', () => {
  it('lets the first written move the run; the other, decided on what it read before, writes nothing', async () => {
    const { a, b, stop } = await twoReplicas(FIXTURES);
    try {
      await a.command('declare Two clicks sev3');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      const channel = incident.channelId!;
      const runId = runIdOf(await a.command('runbook run restart-db replica=db-1', { channel }));
      const onA = new RunbookRepository(a.app.db);
      await eventually(() => onA.get(runId)?.status === 'awaiting_approval' || undefined, 10_000, 'the approval');
      // B takes a reject and writes it; A had read the run as waiting and now writes its approval.
      await b.click(RUNBOOK_ACTION.reject, `${runId}:1`, { user: ALICE.id, channel });
      await eventually(() => onA.get(runId)?.status === 'rejected' || undefined, 10_000, 'the reject');
      expect(onA.takeApproval(runId, 'replica-a:4101:aaaaaa', 1)).toBe(false);
      expect(onA.endWaiting(runId, 'killed', Date.now())).toBe(false);
      expect(onA.markStopped(runId, BOB.id)).toBe(true);
      expect(onA.markStopped(runId, CAROL.id)).toBe(false);
      expect(onA.get(runId)).toMatchObject({ status: 'rejected', runner: 'replica-a:4101:aaaaaa', stoppedBy: BOB.id });
      // And through the runner: a late approval is refused, and nothing of it is recorded.
      await a.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: ALICE.id, channel });
      await settled(a.app);
      await settled(b.app);
      const events = new IncidentRepository(a.app.db).timeline(incident.id).map((e) => e.kind);
      expect(events.filter((k) => k.startsWith('runbook_'))).toEqual([
        'runbook_started',
        'runbook_step',
        'runbook_approval_requested',
        'runbook_rejected',
        'runbook_finished',
      ]);
      expect(onA.steps(runId).map((s) => s.status)).toEqual(['succeeded']);
    } finally {
      await stop();
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
