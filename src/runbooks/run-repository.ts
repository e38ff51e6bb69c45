import type { Db } from '../db/open.ts';
import type { ParamValues } from './params.ts';

export type RunStatus =
  'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'rejected' | 'killed' | 'interrupted';

export interface RunRecord {
  id: number;
  incidentId: number;
  runbook: string;
  version: string;
  sha: string;
  params: ParamValues;
  dryRun: boolean;
  requestedBy: string;
  status: RunStatus;
  nextStep: number;
  threadTs: string | null;
  createdAt: number;
  finishedAt: number | null;
  /** Who asked for the run to stop, once someone has. */
  stoppedBy: string | null;
  /** The replica executing it (null for runs recorded before replicas were). */
  runner: string | null;
}

export interface StepRecord {
  runId: number;
  idx: number;
  name: string;
  kind: string;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  output: string;
  truncated: boolean;
  approvedBy: string | null;
  startedAt: number;
}

const RUN_COLUMNS = `id, incident_id AS incidentId, runbook, version, sha, params, dry_run AS dryRun, requested_by AS requestedBy,
  status, next_step AS nextStep, thread_ts AS threadTs, created_at AS createdAt, finished_at AS finishedAt, stopped_by AS stoppedBy, runner`;
type RunRow = Omit<RunRecord, 'params' | 'dryRun'> & { params: string; dryRun: number };
const toRun = (r: RunRow | undefined): RunRecord | undefined =>
  r && { ...r, params: JSON.parse(r.params) as ParamValues, dryRun: r.dryRun === 1 };

/** All SQL about runbook runs and their steps. */
export class RunbookRepository {
  private readonly stmt;
  /** Made once: the storage's `transaction` builds its wrappers anew on every call otherwise. */
  private readonly saveHeldStep: (s: StepRecord, runner: string) => boolean;

  constructor(readonly db: Db) {
    this.stmt = {
      insert:
        db.prepare(`INSERT INTO runbook_runs (incident_id, runbook, version, sha, params, dry_run, requested_by, status, created_at, runner)
        VALUES (@incidentId, @runbook, @version, @sha, @params, @dryRun, @requestedBy, 'running', @createdAt, @runner)`),
      get: db.prepare(`SELECT ${RUN_COLUMNS} FROM runbook_runs WHERE id = ?`),
      running: db.prepare(`SELECT count(*) AS n FROM runbook_runs WHERE status = 'running'`),
      activeFor: db.prepare(
        `SELECT ${RUN_COLUMNS} FROM runbook_runs WHERE incident_id = ? AND runbook = ? AND status IN ('running', 'awaiting_approval') LIMIT 1`,
      ),
      withStatus: db.prepare(`SELECT ${RUN_COLUMNS} FROM runbook_runs WHERE status = ? ORDER BY id`),
      // The executing replica's writes: conditional, so a replica that stalled while another one
      // reported its run interrupted (or took it over) cannot overwrite how the run ended.
      advance: db.prepare(
        `UPDATE runbook_runs SET status = @status, next_step = @nextStep, finished_at = @finishedAt
         WHERE id = @id AND status = 'running' AND runner = @runner`,
      ),
      // A write that changes nothing, as a check: inside a transaction it takes the write lock before
      // it looks, so the run cannot change hands between this check and the writes after it.
      held: db.prepare(
        `UPDATE runbook_runs SET runner = @runner WHERE id = @id AND status = 'running' AND runner = @runner`,
      ),
      // The writes of a click (approve, reject, stop), conditional on what the click saw: two replicas
      // may take two clicks on one run at once, and only the first may move it.
      takeApproval: db.prepare(
        `UPDATE runbook_runs SET status = 'running', runner = @runner
         WHERE id = @id AND status = 'awaiting_approval' AND next_step = @step`,
      ),
      endWaiting: db.prepare(
        `UPDATE runbook_runs SET status = @status, finished_at = @finishedAt WHERE id = @id AND status = 'awaiting_approval'`,
      ),
      markStopped: db.prepare('UPDATE runbook_runs SET stopped_by = @by WHERE id = @id AND stopped_by IS NULL'),
      runningOn: db.prepare(
        `SELECT id, stopped_by AS stoppedBy FROM runbook_runs WHERE status = 'running' AND runner = ? ORDER BY id`,
      ),
      // Running runs nobody is executing any more: no runner recorded, or one whose heartbeat is
      // older than the bound (or gone: a replica that stopped cleanly removed it).
      orphaned: db.prepare(
        `SELECT ${RUN_COLUMNS} FROM runbook_runs r WHERE status = 'running' AND (runner IS NULL OR (runner <> @self
           AND NOT EXISTS (SELECT 1 FROM replicas p WHERE p.id = r.runner AND p.seen_at >= @since))) ORDER BY id`,
      ),
      // Conditional, so two replicas noticing the same orphan mark it once.
      interrupt: db.prepare(
        `UPDATE runbook_runs SET status = 'interrupted', next_step = @nextStep, finished_at = @at
         WHERE id = @id AND status = 'running' AND coalesce(runner, '') = @runner`,
      ),
      setThread: db.prepare('UPDATE runbook_runs SET thread_ts = ? WHERE id = ?'),
      saveStep:
        db.prepare(`INSERT INTO runbook_steps (run_id, idx, name, kind, status, exit_code, duration_ms, output, truncated, approved_by, started_at)
        VALUES (@runId, @idx, @name, @kind, @status, @exitCode, @durationMs, @output, @truncated, @approvedBy, @startedAt)
        ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, exit_code = excluded.exit_code, duration_ms = excluded.duration_ms,
          output = excluded.output, truncated = excluded.truncated, approved_by = coalesce(excluded.approved_by, runbook_steps.approved_by)`),
      steps:
        db.prepare(`SELECT run_id AS runId, idx, name, kind, status, exit_code AS exitCode, duration_ms AS durationMs, output, truncated,
        approved_by AS approvedBy, started_at AS startedAt FROM runbook_steps WHERE run_id = ? ORDER BY idx`),
    };
    this.saveHeldStep = db.transaction((s: StepRecord, runner: string) => {
      if (!this.held(s.runId, runner)) return false;
      this.saveStep(s);
      return true;
    });
  }

  insert(run: {
    incidentId: number;
    runbook: string;
    version: string;
    sha: string;
    params: ParamValues;
    dryRun: boolean;
    requestedBy: string;
    createdAt: number;
    /** The replica that executes it. */
    runner: string;
  }): number {
    return Number(
      this.stmt.insert.run({ ...run, params: JSON.stringify(run.params), dryRun: run.dryRun ? 1 : 0 }).lastInsertRowid,
    );
  }

  /** The replica that continues a run (after an approval, whichever replica took it) is its runner now. */
  /** Running runs with no runner, or whose runner (other than `self`) has not been heard from since `since`. */
  orphaned(since: number, self: string): RunRecord[] {
    return (this.stmt.orphaned.all({ since, self }) as RunRow[]).map((r) => toRun(r)!);
  }

  /** Marks the run interrupted if it is still running on `runner`; false if that changed meanwhile. */
  interrupt(id: number, runner: string | null, nextStep: number, at: number): boolean {
    return this.stmt.interrupt.run({ id, runner: runner ?? '', nextStep, at }).changes > 0;
  }

  get(id: number): RunRecord | undefined {
    return toRun(this.stmt.get.get(id) as RunRow | undefined);
  }

  runningCount(): number {
    return (this.stmt.running.get() as { n: number }).n;
  }

  activeFor(incidentId: number, runbook: string): RunRecord | undefined {
    return toRun(this.stmt.activeFor.get(incidentId, runbook) as RunRow | undefined);
  }

  withStatus(status: RunStatus): RunRecord[] {
    return (this.stmt.withStatus.all(status) as RunRow[]).map((r) => toRun(r)!);
  }

  /**
   * The replica `runner` moves its run on (the next step, a wait for approval, its end); false, with
   * nothing written, when the run is no longer running on it.
   */
  advance(id: number, runner: string, status: RunStatus, nextStep: number, finishedAt: number | null): boolean {
    return this.stmt.advance.run({ id, runner, status, nextStep, finishedAt }).changes > 0;
  }

  /** Whether the run is still running on `runner` (in a transaction: and stays so until it ends). */
  held(id: number, runner: string): boolean {
    return this.stmt.held.run({ id, runner }).changes > 0;
  }

  /** The runs the database says `runner` executes, and whether each was asked to stop. */
  runningOn(runner: string): Map<number, boolean> {
    const rows = this.stmt.runningOn.all(runner) as { id: number; stoppedBy: string | null }[];
    return new Map(rows.map((r) => [Number(r.id), r.stoppedBy !== null]));
  }

  /** `runner` takes the approval of step `step`; false, with nothing written, if the run no longer waits for it. */
  takeApproval(id: number, runner: string, step: number): boolean {
    return this.stmt.takeApproval.run({ id, runner, step }).changes > 0;
  }

  /** Ends a run that waits for approval; false, with nothing written, if it no longer waits. */
  endWaiting(id: number, status: RunStatus, finishedAt: number): boolean {
    return this.stmt.endWaiting.run({ id, status, finishedAt }).changes > 0;
  }

  /** Records the first stop; false if someone stopped the run already. */
  markStopped(id: number, by: string): boolean {
    return this.stmt.markStopped.run({ id, by }).changes > 0;
  }

  setThread(id: number, ts: string): void {
    this.stmt.setThread.run(ts, id);
  }

  /** Records who asked the run to stop; the first request is the one kept. */
  saveStep(s: StepRecord): void {
    this.stmt.saveStep.run({ ...s, truncated: s.truncated ? 1 : 0 });
  }

  /** Saves the step if its run is still running on `runner`; false, with nothing written, otherwise. */
  saveStepAs(runner: string, s: StepRecord): boolean {
    return this.saveHeldStep(s, runner);
  }

  steps(runId: number): StepRecord[] {
    return (this.stmt.steps.all(runId) as (Omit<StepRecord, 'truncated'> & { truncated: number })[]).map((s) => ({
      ...s,
      truncated: s.truncated === 1,
    }));
  }
}
