import type { Db } from '../db/open.ts';
import { AutomationEngine } from '../incidents/automations/engine.ts';
import { AutomationRepository } from '../incidents/automations/automation-repository.ts';
import { automationRef, type AutomationSpec } from '../incidents/automations/types.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import { actorOf } from '../incidents/permissions.ts';
import type { IncidentService } from '../incidents/service.ts';
import { isUserError } from '../lib/errors.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import type { RunbookSet } from '../runbooks/load.ts';
import { checkParams } from '../runbooks/params.ts';
import type { RunbookRunner } from '../runbooks/runner.ts';

/** The settings' automations, as the domain runs them. */
export function automationEngine(db: Db, automations: AutomationSpec[]): AutomationEngine {
  return new AutomationEngine(automations, new AutomationRepository(db));
}

/**
 * Starts the runbook an automation fired, as a person's run: the runbook's own rules check the
 * filled parameters, approvals wait for a person. The run's id is kept with the firing in the run's
 * own transaction, so a delivery retried after a crash finds it and starts nothing more.
 */
export function automationHandlers(deps: {
  engine: AutomationEngine;
  incidents: IncidentService;
  runbooks: () => { set(): RunbookSet; runner: RunbookRunner };
}): Record<string, EffectHandler> {
  return {
    [EffectKind.AutomationRunbook]: {
      lane: 'runbooks',
      classify: () => ({ type: 'transient' }),
      deliver: async (row) => {
        const p = row.payload as {
          firingId: number;
          automation: string;
          runbook: string;
          params: [string, string][];
          dryRun: boolean;
        };
        const firing = deps.engine.repo.get(p.firingId);
        if (firing?.runId) return { result: { run: firing.runId, started_before: true } };
        const incident = deps.incidents.get(row.incidentId!);
        const { set, runner } = deps.runbooks();
        const runbook = set().runbooks.get(p.runbook);
        const fail = (why: string) => {
          deps.incidents.automationFailed(row.incidentId!, p.automation, p.firingId, `runbook ${p.runbook}`, why);
          return { result: { refused: why } };
        };
        if (!incident) return { result: { refused: 'no such incident' } };
        if (!runbook) return fail(`there is no runbook ${p.runbook} (see /incident runbook list)`);
        try {
          const { values, missing } = checkParams(runbook.spec, p.params);
          if (missing.length > 0) return fail(`it needs ${missing.join(', ')}, which the automation does not give`);
          const run = runner.start({
            incident,
            runbook,
            values,
            dryRun: p.dryRun,
            actor: actorOf(automationRef(p.automation)),
            onRecorded: (runId) => void deps.engine.repo.setRun(p.firingId, runId),
          });
          return { result: { run } };
        } catch (error) {
          if (isUserError(error)) return fail(error.message);
          throw error;
        }
      },
    },
  };
}
