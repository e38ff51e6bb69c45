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
import type { webApi } from '@slack/bolt';
import { slackRunReporter } from '../slack/runbook-reporter.ts';

/** Loads the runbooks (reporting broken files), and builds the runner; runs cut short by the last stop are reported. */
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
  storage: Pick<StorageHealth, 'whenWritable'>;
}): { set: () => RunbookSet; runner: RunbookRunner } {
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
  });
  deps.storage.whenWritable('marking the runbook runs the last stop interrupted', () => {
    const interrupted = runner.recover();
    if (interrupted > 0)
      log.warn(
        { event: 'runbook.interrupted', source: 'runbooks', interrupted },
        'runbook runs were interrupted by the last stop',
      );
  });
  return { set: () => set, runner };
}
