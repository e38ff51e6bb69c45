import { ErrorCode, UserError } from '../lib/errors.ts';
import { actorOf, type Actor } from '../incidents/permissions.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { Incident } from '../incidents/types.ts';
import type { Logger } from '../lib/logger.ts';
import { runExec, type StepResult } from './exec-step.ts';
import { runHttp } from './http-step.ts';
import type { Runbook, RunbookSet } from './load.ts';
import type { ParamValues } from './params.ts';
import { describeStep, planRun, type IncidentFacts, type PlannedStep } from './plan.ts';
import type { RunbookRepository, RunRecord, RunStatus } from './run-repository.ts';

export type LiveStatus = 'running' | 'awaiting_approval' | 'shown' | StepResult['status'] | 'rejected';

/** What the channel sees while a run goes on. Best effort: the database and timeline are the record. */
export interface RunReporter {
  /** The run's message (with a stop button); its ts threads the steps. */
  started(run: RunRecord, plan: PlannedStep[], channel: string): Promise<string | null>;
  /** A step's message in the thread, created on first call and updated in place after. */
  step(
    run: RunRecord,
    step: PlannedStep,
    state: {
      status: LiveStatus;
      output: string;
      truncated: boolean;
      exitCode: number | null;
      durationMs: number | null;
    },
    channel: string,
  ): Promise<void>;
  /** The run is over: its message loses the stop button and shows how it ended. */
  finished(run: RunRecord, plan: PlannedStep[], channel: string): Promise<void>;
  /** A `slack` step's message. */
  post(channel: string, text: string): Promise<void>;
}

export interface RunnerDeps {
  runs: RunbookRepository;
  runbooks: () => RunbookSet;
  incidents: IncidentService;
  reporter: RunReporter;
  pagerduty?: {
    addNote(id: string, content: string): Promise<void>;
    escalate(id: string, level: number): Promise<void>;
  };
  /** The environment exec steps pick their listed names from (and http steps their env.* values). */
  env: Record<string, string | undefined>;
  maxConcurrent: number;
  outputLimitBytes: number;
  /** Who a user is now (their groups among `groups`), to check again before each step that the run is still allowed. */
  actorFor?: (userId: string, groups: string[]) => Promise<Actor>;
  log: Logger;
  now: () => number;
  /**
   * This replica: its id is recorded on the runs it executes (its heartbeat, refreshed elsewhere, says
   * it is alive), and `previousLife` tells which runner ids were earlier processes of this one.
   */
  replica: { id: string; previousLife: (runner: string) => boolean };
  /** How often, while it executes a step, this replica looks for stops taken by another replica (ms). */
  stopPollMs?: number;
}

/**
 * A stop can be taken by any replica (the load balancer picks one), but only the executing replica
 * holds the step's process: it looks for stops recorded on its running runs this often while a step
 * runs, so a stop taken elsewhere ends the step within about this long.
 */
export const STOP_POLL_MS = 2000;

/**
 * How long a replica's heartbeat (every 10 s) may be silent before the runs it was executing count as
 * orphaned and are marked interrupted by another replica: six beats, so a busy event loop or a slow
 * write does not cost a live replica its runs.
 */
export const RUNNER_SILENT_MS = 60_000;

/** The run stopped being this replica's to mark meanwhile (another replica marked it, or it moved on). */
class NoLongerOrphaned extends Error {}

/** The run stopped being this replica's to execute: another replica reported it interrupted (or took it on). */
class NoLongerOurs extends Error {}

/** Another replica's click (a stop, a reject, an approval) moved the run first: this one writes nothing. */
class AlreadyDone extends Error {}

/** Throws from an expression: rolls back the transaction a conditional write found moved on. */
const raise = (error: Error): never => {
  throw error;
};

export interface RunRequest {
  incident: Incident;
  runbook: Runbook;
  values: ParamValues;
  dryRun: boolean;
  /** Who asked; the domain checks they may run this runbook in this incident. */
  actor: Actor;
  /** Called with the run's id in the transaction that records it (an automation keeps it with its firing). */
  onRecorded?: (runId: number) => void;
}

const FINAL: Record<StepResult['status'], RunStatus> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'failed',
  killed: 'killed',
};

/**
 * Runs runbooks: one step at a time, each recorded (full output in the database, a line in the
 * timeline), pausing for approval where a step says confirm. Runs happen here, not in the outbox:
 * a five-minute script must not hold up the incident's other messages.
 */
export class RunbookRunner {
  private readonly controllers = new Map<number, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private shuttingDown = false;
  private stopPoll: ReturnType<typeof setInterval> | null = null;
  private pollFailing = false;

  constructor(private readonly deps: RunnerDeps) {}

  facts(incident: Incident): IncidentFacts {
    return {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      channel: incident.channelId,
      pagerdutyId: incident.source === 'pagerduty' ? incident.externalId : null,
    };
  }

  /** What a dry run or the approval message shows: every step as it will run. */
  preview(req: Omit<RunRequest, 'actor' | 'dryRun'>): PlannedStep[] {
    return planRun(req.runbook, req.values, this.facts(req.incident), this.deps.env);
  }

  /** A run's record, or a message saying there is none. */
  run(runId: number): RunRecord {
    const run = this.deps.runs.get(runId);
    if (!run) throw new UserError(ErrorCode.NotFound, `There is no run #${runId}.`);
    return run;
  }

  /** Starts a run, if the person may run this runbook here, and returns its id at once. */
  start(req: RunRequest): number {
    const { runs, incidents } = this.deps;
    const spec = req.runbook.spec;
    const by = req.actor.id;
    incidents.authorizeRunbook(req.incident.id, req.actor, 'run', { name: spec.name, allowed: spec.allowed });
    const plan = this.preview(req);
    let runId = 0;
    const data: Record<string, unknown> = {
      runbook: spec.name,
      version: spec.version,
      sha: req.runbook.sha,
      dry_run: req.dryRun,
    };
    const write = () => {
      if (runs.runningCount() >= this.deps.maxConcurrent) {
        throw new UserError(
          ErrorCode.Busy,
          `The limit of ${this.deps.maxConcurrent} runbook run${this.deps.maxConcurrent === 1 ? '' : 's'} at once is reached; try again when one has finished.`,
        );
      }
      const active = spec.concurrent ? undefined : runs.activeFor(req.incident.id, spec.name);
      if (active)
        throw new UserError(
          ErrorCode.Conflict,
          `${spec.name} is already running in this incident (run #${active.id}, ${active.status.replace('_', ' ')}). Stop it first, or wait.`,
        );
      runId = runs.insert({
        incidentId: req.incident.id,
        runbook: spec.name,
        version: spec.version,
        sha: req.runbook.sha,
        params: req.values,
        dryRun: req.dryRun,
        requestedBy: by,
        createdAt: this.deps.now(),
        runner: this.deps.replica.id,
      });
      data.run = runId;
      req.onRecorded?.(runId);
    };
    const params = Object.entries(req.values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    incidents.recordRunbookEvent(
      req.incident.id,
      {
        kind: 'runbook_started',
        actor: by,
        body: `${spec.name} v${spec.version}${req.dryRun ? ' (dry run)' : ''}${params ? ` ${params}` : ''}`,
        data,
      },
      { write },
    );
    this.deps.log.info(
      {
        event: 'runbook.started',
        run_id: runId,
        runbook: spec.name,
        incident_id: req.incident.id,
        by,
        dry_run: req.dryRun,
      },
      'runbook run started',
    );
    this.track(this.begin(runId, plan));
    return runId;
  }

  async approve(runId: number, stepIndex: number, actor: Actor): Promise<void> {
    const by = actor.id;
    const run = this.awaiting(runId, stepIndex);
    const step = this.plan(run)[stepIndex]!;
    this.authorize(run, actor, 'approve');
    if (by === run.requestedBy) {
      const others = (await this.otherApprovers(run)).length > 0;
      this.deps.incidents.requireSecondApprover(run.incidentId, actor, run, others);
    }
    this.deps.incidents.recordRunbookEvent(
      run.incidentId,
      {
        kind: 'runbook_approved',
        actor: by,
        body: `${run.runbook} step ${step.name}`,
        data: { run: run.id, step: stepIndex },
      },
      {
        write: () => {
          // Another replica may have taken a reject, a stop or another approval since `awaiting` read
          // the run: then this approval is refused whole, its timeline event with it.
          if (!this.deps.runs.takeApproval(run.id, this.deps.replica.id, stepIndex))
            throw new UserError(ErrorCode.Conflict, `Run #${runId} is not waiting for this approval any more.`);
          this.deps.runs.saveStep({
            runId: run.id,
            idx: stepIndex,
            name: step.name,
            kind: step.kind,
            status: 'approved',
            exitCode: null,
            durationMs: null,
            output: '',
            truncated: false,
            approvedBy: by,
            startedAt: this.deps.now(),
          });
        },
      },
    );
    this.track(this.continueFrom({ ...run, status: 'running' }, stepIndex, by));
  }

  reject(runId: number, stepIndex: number, actor: Actor): void {
    const by = actor.id;
    const run = this.awaiting(runId, stepIndex);
    const step = this.plan(run)[stepIndex]!;
    this.authorize(run, actor, 'approve');
    this.deps.incidents.recordRunbookEvent(run.incidentId, {
      kind: 'runbook_rejected',
      actor: by,
      body: `${run.runbook} step ${step.name}`,
      data: { run: run.id, step: stepIndex },
    });
    this.track(this.finishWaiting(run, 'rejected'));
  }

  /**
   * Stops a run, asked from the incident `fromIncident` (only its own incident may stop it). The
   * stop is written before anything else, so it wins whenever it lands: a running step's process
   * group gets SIGTERM, then SIGKILL; a run that is starting or between steps runs no further step.
   */
  kill(runId: number, actor: Actor, fromIncident: number): void {
    const run = this.deps.runs.get(runId);
    if (!run || (run.status !== 'running' && run.status !== 'awaiting_approval'))
      throw new UserError(ErrorCode.Conflict, `Run #${runId} is not running.`);
    if (run.incidentId !== fromIncident) {
      throw new UserError(
        ErrorCode.Forbidden,
        `Run #${runId} belongs to incident #${run.incidentId}; stop it from that incident's channel.`,
      );
    }
    this.authorize(run, actor, 'stop');
    if (run.stoppedBy) return; // already stopping: the first stop is the one on record
    try {
      this.deps.incidents.recordRunbookEvent(
        run.incidentId,
        {
          kind: 'runbook_stopped',
          actor: actor.id,
          body: `${run.runbook} (run #${runId})`,
          data: { run: runId, step: run.nextStep },
        },
        // Two stops taken at once on two replicas: the first written is the one on record, alone.
        { write: () => (this.deps.runs.markStopped(runId, actor.id) ? undefined : raise(new AlreadyDone())) },
      );
    } catch (error) {
      if (error instanceof AlreadyDone) return;
      throw error;
    }
    this.deps.log.info(
      { event: 'runbook.stopped', run_id: runId, incident_id: run.incidentId, by: actor.id },
      'runbook run stopped by a person',
    );
    this.controllers.get(runId)?.abort();
    // Nothing is executing a run that waits for approval; a running one sees the stop before its next step.
    if (run.status === 'awaiting_approval') this.track(this.finishWaiting(run, 'killed'));
  }

  /**
   * At start: runs that were mid-step and that nobody executes any more are marked interrupted, never
   * re-run by themselves. Which runs those are, with several replicas on one database:
   * - runs with no runner (recorded before replicas were),
   * - runs whose runner's heartbeat is older than RUNNER_SILENT_MS or gone (a replica that died, or
   *   stopped cleanly and removed its row: so a clean restart reports its runs at once, as before),
   * - runs whose runner was an earlier life of this process on this machine (`replica.previousLife`:
   *   same host, and our pid or a pid with no process), so a crash and restart reports them at once too.
   * A live replica's runs are left alone; its heartbeat is fresh. Each run is marked in its own
   * transaction, conditionally (a run another replica marked meanwhile is not marked twice), before its
   * message is closed, so a storage error is thrown here for the start to try again later.
   */
  recover(): number {
    const { id, previousLife } = this.deps.replica;
    const orphans = new Map(this.orphaned().map((r) => [r.id, r]));
    for (const run of this.deps.runs.withStatus('running'))
      if (run.runner && run.runner !== id && previousLife(run.runner)) orphans.set(run.id, run);
    return this.interrupt([...orphans.values()].sort((a, b) => a.id - b.id));
  }

  /**
   * Periodically (on one replica, see wire-runbooks): marks interrupted the runs of replicas whose
   * heartbeat went silent, so a dead replica's runs are reported within about a minute.
   */
  sweep(): number {
    return this.interrupt(this.orphaned());
  }

  private orphaned(): RunRecord[] {
    return this.deps.runs.orphaned(this.deps.now() - RUNNER_SILENT_MS, this.deps.replica.id);
  }

  private interrupt(runs: RunRecord[]): number {
    let marked = 0;
    for (const run of runs) {
      let finishedAt: number;
      try {
        finishedAt = this.recordFinish(run, 'interrupted', (at) => {
          if (!this.deps.runs.interrupt(run.id, run.runner, run.nextStep, at)) throw new NoLongerOrphaned();
        });
      } catch (error) {
        if (error instanceof NoLongerOrphaned) continue;
        throw error;
      }
      marked++;
      this.track(this.announceFinish(run, 'interrupted', finishedAt));
    }
    return marked;
  }

  /** Resolves when no run is executing a step (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** At shutdown: stops running steps and leaves their runs as they are, for `recover` to report. */
  stopAll(): void {
    this.shuttingDown = true;
    for (const c of this.controllers.values()) c.abort();
    this.unwatchStops();
  }

  /** While any step executes here: one timer, looking for stops another replica took (see STOP_POLL_MS). */
  private watchStops(): void {
    if (this.stopPoll) return;
    this.stopPoll = setInterval(() => this.pollStops(), this.deps.stopPollMs ?? STOP_POLL_MS);
    this.stopPoll.unref();
  }

  private unwatchStops(): void {
    if (this.stopPoll) clearInterval(this.stopPoll);
    this.stopPoll = null;
  }

  /**
   * Aborts the steps of runs stopped through another replica, and of runs that are no longer ours (a
   * sweep elsewhere reported them interrupted while this replica was stalled): their outcome would be
   * recorded nowhere, and a person told "interrupted" may already be running the runbook again.
   */
  private pollStops(): void {
    let running: Map<number, boolean>;
    try {
      running = this.deps.runs.runningOn(this.deps.replica.id);
    } catch (error) {
      // Once per outage, not every STOP_POLL_MS: the next look may succeed; a stop taken here aborts at once anyway.
      if (!this.pollFailing)
        this.deps.log.warn({ event: 'runbook.stop_poll_failed', err: error }, 'could not look for stopped runs');
      this.pollFailing = true;
      return;
    }
    this.pollFailing = false;
    for (const [id, controller] of this.controllers) if (running.get(id) !== false) controller.abort();
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((error: unknown) =>
        this.deps.log.error({ event: 'runbook.crashed', err: error }, 'runbook run failed unexpectedly'),
      )
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private awaiting(runId: number, stepIndex: number): RunRecord {
    const run = this.deps.runs.get(runId);
    if (!run || run.status !== 'awaiting_approval' || run.nextStep !== stepIndex)
      throw new UserError(ErrorCode.Conflict, `Run #${runId} is not waiting for this approval any more.`);
    return run;
  }

  /**
   * Responders other than the requester who may approve this run's steps. A second pair of eyes is
   * asked for only when one exists: counting people the runbook's `allowed` refuses would leave the
   * step waiting for an approval nobody may give.
   */
  private async otherApprovers(run: RunRecord): Promise<string[]> {
    const allowed = this.deps.runbooks().runbooks.get(run.runbook)?.spec.allowed ?? [];
    const groups = this.deps.incidents.permissionGroups(allowed);
    const others = [...new Set(this.deps.incidents.responders(run.incidentId))].filter((u) => u !== run.requestedBy);
    const may: string[] = [];
    for (const user of others) {
      const actor = this.deps.actorFor ? await this.deps.actorFor(user, groups) : actorOf(user);
      try {
        this.authorize(run, actor, 'approve');
        may.push(user);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
      }
    }
    return may;
  }

  /** The domain's check for an action on a run, against the runbook's `allowed` (none if it is gone). */
  private authorize(run: RunRecord, actor: Actor, action: 'approve' | 'stop' | 'run'): void {
    const allowed = this.deps.runbooks().runbooks.get(run.runbook)?.spec.allowed ?? [];
    this.deps.incidents.authorizeRunbook(run.incidentId, actor, action, { name: run.runbook, allowed, runId: run.id });
  }

  /**
   * Why the next step must not run, if it must not: someone stopped the run, or whoever stands behind
   * the step (its approver, else the requester) may no longer run the runbook.
   */
  private async refusal(run: RunRecord, backer: string): Promise<string | null> {
    const allowed = this.deps.runbooks().runbooks.get(run.runbook)?.spec.allowed ?? [];
    const groups = this.deps.incidents.permissionGroups(allowed);
    const actor = this.deps.actorFor ? await this.deps.actorFor(backer, groups) : actorOf(backer);
    // Read after the await: a stop that landed meanwhile is seen here, before the step starts.
    const stored = this.deps.runs.get(run.id);
    // Another replica took this one for dead (its heartbeat was silent too long) and reported the run,
    // or took it on (an approval it took): either way it is no longer this replica's to run or record.
    if (stored && (stored.status !== 'running' || stored.runner !== this.deps.replica.id)) return 'not ours';
    if (stored?.stoppedBy) return 'stopped';
    try {
      this.deps.incidents.authorizeRunbook(run.incidentId, actor, 'run', { name: run.runbook, allowed });
      return null;
    } catch (error) {
      if (error instanceof UserError) return error.message;
      throw error;
    }
  }

  private plan(run: RunRecord): PlannedStep[] {
    const runbook = this.deps.runbooks().runbooks.get(run.runbook);
    if (!runbook || runbook.sha !== run.sha)
      throw new UserError(ErrorCode.Conflict, `${run.runbook} changed since run #${run.id} started; start it again.`);
    const incident = this.deps.incidents.get(run.incidentId)!;
    return planRun(runbook, run.params, this.facts(incident), this.deps.env);
  }

  private channel(run: RunRecord): string | null {
    return this.deps.incidents.get(run.incidentId)?.channelId ?? null;
  }

  private async begin(runId: number, plan: PlannedStep[]): Promise<void> {
    const run = this.deps.runs.get(runId)!;
    const channel = this.channel(run);
    if (channel) {
      const ts = await this.deps.reporter
        .started(run, plan, channel)
        .catch(
          (error: unknown) => (
            this.deps.log.warn({ err: error, run_id: runId }, 'could not post the run message'),
            null
          ),
        );
      if (ts) this.deps.runs.setThread(runId, ts);
    }
    await this.continueFrom(this.deps.runs.get(runId)!, 0, null);
  }

  /**
   * Runs the steps from `from` on. Every write it makes is conditional on the run still running on this
   * replica: one that stalled (paused, or its writes failing) past the heartbeat bound may find another
   * replica reported the run interrupted; it then records nothing more and runs no further step.
   */
  private async continueFrom(run: RunRecord, from: number, approvedBy: string | null): Promise<void> {
    try {
      await this.runSteps(run, from, approvedBy);
    } catch (error) {
      if (!(error instanceof NoLongerOurs)) throw error;
      this.notOurs(run);
    }
  }

  private notOurs(run: RunRecord): void {
    this.deps.log.warn(
      { event: 'runbook.not_ours', run_id: run.id, incident_id: run.incidentId, runbook: run.runbook },
      'runbook run is no longer this replica’s (another replica reported it interrupted or took it on): nothing more is recorded or run',
    );
  }

  /** Throws NoLongerOurs unless the run is still running on this replica (in a transaction: until it ends). */
  private hold(run: RunRecord): void {
    if (!this.deps.runs.held(run.id, this.deps.replica.id)) throw new NoLongerOurs();
  }

  private advance(run: RunRecord, status: RunStatus, nextStep: number, finishedAt: number | null): void {
    if (!this.deps.runs.advance(run.id, this.deps.replica.id, status, nextStep, finishedAt)) throw new NoLongerOurs();
  }

  private async runSteps(run: RunRecord, from: number, approvedBy: string | null): Promise<void> {
    const approved = approvedBy !== null;
    const plan = this.plan(run);
    const channel = this.channel(run);
    for (let i = from; i < plan.length; i++) {
      const step = plan[i]!;
      const refusal = await this.refusal(run, i === from && approvedBy !== null ? approvedBy : run.requestedBy);
      if (refusal === 'not ours') throw new NoLongerOurs();
      if (refusal) {
        if (refusal !== 'stopped') {
          this.deps.incidents.recordRunbookEvent(
            run.incidentId,
            {
              kind: 'runbook_stopped',
              actor: null,
              body: `${run.runbook} (run #${run.id}) before step ${step.name}: ${refusal}`,
              data: { run: run.id, step: i, reason: 'permission' },
            },
            { write: () => this.hold(run) },
          );
        }
        return this.finish(run, 'killed', i);
      }
      if (run.dryRun && !step.dryRunSafe) {
        this.saveStep(run, step, {
          status: 'shown',
          exitCode: null,
          output: describeStep(step),
          truncated: false,
          durationMs: 0,
        });
        if (channel)
          await this.report(
            run,
            step,
            { status: 'shown', output: describeStep(step), truncated: false, exitCode: null, durationMs: null },
            channel,
          );
        continue;
      }
      if (step.confirm && !(approved && i === from) && !run.dryRun) {
        const alone = (await this.otherApprovers(run)).length === 0;
        // The wait and the request for it are one transaction, and the request goes through the
        // outbox: an approval nobody sees is a stalled run, so it is retried and survives a restart.
        this.deps.incidents.recordRunbookEvent(
          run.incidentId,
          {
            kind: 'runbook_approval_requested',
            actor: null,
            body: `${run.runbook} step ${step.name} waits for approval`,
            data: { run: run.id, step: i },
          },
          {
            write: () => this.advance(run, 'awaiting_approval', i, null),
            notice: {
              cause: `run:${run.id}:step:${i}`,
              notice: {
                type: 'runbook_approval',
                runId: run.id,
                runbook: run.runbook,
                stepIndex: i,
                stepName: step.name,
                requestedBy: run.requestedBy,
                description: describeStep(step),
                requesterMayApprove: alone,
              },
            },
          },
        );
        return;
      }
      this.advance(run, 'running', i, null);
      const result = await this.execute(run, step, channel);
      this.saveStep(run, step, result);
      if (this.shuttingDown) return;
      this.deps.incidents.recordRunbookEvent(
        run.incidentId,
        {
          kind: 'runbook_step',
          actor: null,
          body: `${run.runbook} step ${step.name}: ${result.status.replace('_', ' ')}${result.exitCode === null ? '' : ` (${step.kind === 'http' ? 'HTTP' : 'exit'} ${result.exitCode})`} in ${(result.durationMs / 1000).toFixed(1)} s`,
          data: {
            run: run.id,
            step: i,
            status: result.status,
            exit_code: result.exitCode,
            duration_ms: result.durationMs,
            output_tail: result.output.slice(-500),
          },
        },
        { write: () => this.hold(run) },
      );
      if (result.status !== 'succeeded') return this.finish(run, FINAL[result.status], i);
    }
    return this.finish(run, 'succeeded', plan.length);
  }

  private async execute(run: RunRecord, step: PlannedStep, channel: string | null): Promise<StepResult> {
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    this.watchStops();
    const started = this.deps.now();
    let output = '';
    const live = (status: LiveStatus, extra: Partial<StepResult> = {}) =>
      channel
        ? this.report(
            run,
            step,
            {
              status,
              output: extra.output ?? output,
              truncated: extra.truncated ?? false,
              exitCode: extra.exitCode ?? null,
              durationMs: extra.durationMs ?? null,
            },
            channel,
          )
        : Promise.resolve();
    await live('running');
    const onOutput = (chunk: string) => {
      output = (output + chunk).slice(-8000);
      void live('running');
    };
    const opts = { signal: controller.signal, limitBytes: this.deps.outputLimitBytes, onOutput, now: this.deps.now };
    try {
      // Stopped while its message was being posted: the step never starts.
      const result = controller.signal.aborted
        ? {
            status: 'killed' as const,
            exitCode: null,
            output: '[stopped before it started]',
            truncated: false,
            durationMs: 0,
          }
        : await this.dispatch(step, opts, channel);
      await live(result.status, result);
      return result;
    } catch (error) {
      const result: StepResult = {
        status: 'failed',
        exitCode: null,
        output: `[${(error as Error).message}]`,
        truncated: false,
        durationMs: this.deps.now() - started,
      };
      await live('failed', result);
      return result;
    } finally {
      this.controllers.delete(run.id);
      if (this.controllers.size === 0) this.unwatchStops();
    }
  }

  private async dispatch(
    step: PlannedStep,
    opts: Parameters<typeof runExec>[1],
    channel: string | null,
  ): Promise<StepResult> {
    const started = this.deps.now();
    const done = (output: string): StepResult => ({
      status: 'succeeded',
      exitCode: null,
      output,
      truncated: false,
      durationMs: this.deps.now() - started,
    });
    switch (step.kind) {
      case 'exec':
        return runExec(step, opts);
      case 'http':
        return runHttp(step, opts);
      case 'slack':
        if (!channel) throw new Error('the incident has no channel yet');
        await this.deps.reporter.post(channel, step.text);
        return done('posted');
      case 'pagerduty': {
        const pd = this.deps.pagerduty;
        if (!pd) throw new Error('PagerDuty is not configured (PAGERDUTY_TOKEN)');
        if (!step.incidentId) throw new Error('this incident did not come from a PagerDuty page');
        if (step.note !== undefined) await pd.addNote(step.incidentId, step.note);
        else await pd.escalate(step.incidentId, step.escalate!);
        return done(step.note !== undefined ? 'note added' : `escalated to level ${step.escalate}`);
      }
    }
  }

  private saveStep(
    run: RunRecord,
    step: PlannedStep,
    r: Pick<StepResult, 'exitCode' | 'output' | 'truncated' | 'durationMs'> & { status: string },
  ): void {
    const saved = this.deps.runs.saveStepAs(this.deps.replica.id, {
      runId: run.id,
      idx: step.index,
      name: step.name,
      kind: step.kind,
      status: r.status,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      output: r.output,
      truncated: r.truncated,
      approvedBy: null,
      startedAt: this.deps.now() - r.durationMs,
    });
    if (!saved) throw new NoLongerOurs();
  }

  private report(
    run: RunRecord,
    step: PlannedStep,
    state: Parameters<RunReporter['step']>[2],
    channel: string,
  ): Promise<void> {
    return this.deps.reporter
      .step(run, step, state, channel)
      .catch((error: unknown) => this.deps.log.warn({ err: error, run_id: run.id }, 'could not show step progress'));
  }

  /** Ends a run this replica executes (throws NoLongerOurs, recording nothing, if it no longer is). */
  private async finish(run: RunRecord, status: RunStatus, nextStep: number): Promise<void> {
    const at = this.recordFinish(run, status, (now) => this.advance(run, status, nextStep, now));
    await this.announceFinish(run, status, at);
  }

  /** Ends a run that waits for approval (nothing executes it), from whichever replica took the click. */
  private async finishWaiting(run: RunRecord, status: RunStatus): Promise<void> {
    let at: number;
    try {
      // A reject and a stop (or an approval) taken at once on two replicas: the first one ends it, alone.
      at = this.recordFinish(run, status, (now) =>
        this.deps.runs.endWaiting(run.id, status, now) ? undefined : raise(new AlreadyDone()),
      );
    } catch (error) {
      if (error instanceof AlreadyDone) return;
      throw error;
    }
    await this.announceFinish(run, status, at);
  }

  /** Records the run's end (status by `write`, timeline, notice) in one transaction; returns when it ended. */
  private recordFinish(run: RunRecord, status: RunStatus, write: (now: number) => void): number {
    const now = this.deps.now();
    const steps = this.deps.runs.steps(run.id).filter((s) => s.status !== 'approved');
    this.deps.incidents.recordRunbookEvent(
      run.incidentId,
      {
        kind: 'runbook_finished',
        actor: null,
        body: `${run.runbook} v${run.version}${run.dryRun ? ' (dry run)' : ''}: ${status}`,
        data: { run: run.id, status, duration_ms: now - run.createdAt },
      },
      {
        write: () => write(now),
        notice: {
          cause: `run:${run.id}`,
          notice: {
            type: 'runbook_finished',
            runId: run.id,
            runbook: run.runbook,
            version: run.version,
            status,
            by: run.requestedBy,
            dryRun: run.dryRun,
            durationMs: now - run.createdAt,
            steps: steps.map((s) => ({ name: s.name, status: s.status, exitCode: s.exitCode })),
          },
        },
      },
    );
    this.deps.log.info(
      { event: 'runbook.finished', run_id: run.id, runbook: run.runbook, incident_id: run.incidentId, status },
      'runbook run finished',
    );
    return now;
  }

  /** Closes the run's live message (best effort: the record is the database and the timeline). */
  private async announceFinish(run: RunRecord, status: RunStatus, now: number): Promise<void> {
    const channel = this.channel(run);
    let plan: PlannedStep[] = [];
    try {
      plan = this.plan(run);
    } catch {
      // The runbook changed or went away: the message just lists no steps.
    }
    if (channel)
      await this.deps.reporter
        .finished({ ...run, status, finishedAt: now }, plan, channel)
        .catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not close the run message'));
  }
}
