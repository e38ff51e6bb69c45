import type { Config } from '../config/config.ts';
import type { Db } from '../db/open.ts';
import type { StorageHealth } from '../db/storage-health.ts';
import type { Actor } from '../incidents/permissions.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { Logger } from '../lib/logger.ts';
import type { PagerDutyClient } from '../pagerduty/rest-client.ts';
import { loadRunbooks, type RunbookSet } from '../runbooks/load.ts';
import { RunbookRepository } from '../runbooks/run-repository.ts';
import { RunbookRunner } from '../runbooks/runner.ts';
import { startGuardedJob, type RunningJob } from '../scheduler/guarded-job.ts';
import type { JobLeases } from '../scheduler/job-lease.ts';
import type { webApi } from '@slack/bolt';
import { slackRunReporter } from '../slack/runbook-reporter.ts';

/**
 * Loads the runbooks (reporting broken files), and builds the runner; runs cut short by the last stop
 * (or left by a replica that died) are reported at start, and by a sweep every 15 s on one replica.
 */
export function wireRunbooks(deps: {
  config: Config;
  db: Db;
  incidents: IncidentService;
  slack: webApi.WebClient;
  pagerduty?: PagerDutyClient;
  env: Record<string, string | undefined>;
  actorFor: (userId: string, groups: string[]) => Promise<Actor>;
  log: Logger;
  now: () => number;
  /** Marking the interrupted runs is a write: on a full disk it waits until the database takes writes. */
  storage: Pick<StorageHealth, 'whenWritable' | 'writable' | 'failure'>;
  /** This replica (its heartbeat must be written before the runner starts a run), and the job leases. */
  replica: { id: string; previousLife: (runner: string) => boolean };
  leases: JobLeases;
}): { set: () => RunbookSet; runner: RunbookRunner; sweep: RunningJob } {
  const { config, log } = deps;
  const set = loadRunbooks(config.settings.runbooks.dir);
  for (const problem of set.problems)
    log.warn({ event: 'runbook.not_loaded', source: 'runbooks', problem }, 'a runbook file was not loaded');
  const runner = new RunbookRunner({
    runs: new RunbookRepository(deps.db),
    runbooks: () => set,
    incidents: deps.incidents,
    reporter: slackRunReporter(deps.slack),
    pagerduty: deps.pagerduty,
    env: deps.env,
    maxConcurrent: config.settings.runbooks.max_concurrent,
    outputLimitBytes: config.settings.runbooks.output_limit_kb * 1024,
    actorFor: deps.actorFor,
    log: log.child({ source: 'runbooks' }),
    now: deps.now,
    replica: deps.replica,
  });
  deps.storage.whenWritable('marking the runbook runs the last stop interrupted', () => {
    const interrupted = runner.recover();
    if (interrupted > 0)
      log.warn(
        { event: 'runbook.interrupted', source: 'runbooks', interrupted },
        'runbook runs were interrupted by the last stop',
      );
  });
  // A replica that died leaves its runs 'running': whichever replica holds this job's lease reports them
  // once the dead one's heartbeat is older than RUNNER_SILENT_MS, so within about 60 s + 15 s (or the
  // lease's 90 s + 15 s when the dead replica also held the sweep's lease; both clocks start at its death).
  const sweep = startGuardedJob(
    {
      name: 'runbook-sweep',
      cron: '*/15 * * * * *',
      periodMs: 15_000,
      run: () => {
        const interrupted = runner.sweep();
        if (interrupted > 0)
          log.warn(
            { event: 'runbook.interrupted', source: 'runbooks', interrupted },
            'runbook runs were interrupted: the replica running them went silent',
          );
      },
      failed: 'runbook sweep failed',
    },
    log.child({ source: 'scheduler' }),
    deps.storage,
    deps.leases,
  );
  return { set: () => set, runner, sweep };
}
