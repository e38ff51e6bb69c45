import { EffectKind, forIncident } from '../../effect-kinds.ts';
import { fill } from '../template.ts';
import type { AutomationAction } from './action.ts';

interface Params {
  name: string;
  params?: Record<string, string>;
  dry_run?: boolean;
}

/** A filled parameter is checked by the runbook's own parameter rules when the run starts. */
const PARAM_MAX = 4_000;

/**
 * Starts the runbook as a person's run (thread output, timeline, approvals), after this change
 * commits and the incident's room exists: the outbox row waits behind the room's rows.
 */
export const runbookAction: AutomationAction<Params> = {
  done: (p) => `ran runbook ${p.name}${p.dry_run ? ' (dry run)' : ''}`,
  would: (p) => `would run runbook ${p.name}${p.dry_run ? ' (dry run)' : ''}`,
  apply(ctx, p) {
    const params = Object.entries(p.params ?? {}).map(([k, t]) => [k, fill(t, ctx.values, PARAM_MAX)]);
    ctx.change.effect(
      forIncident(ctx.incident.id, EffectKind.AutomationRunbook, `${ctx.firingId}:${ctx.index}`, {
        firingId: ctx.firingId,
        automation: ctx.automation,
        runbook: p.name,
        params,
        dryRun: p.dry_run ?? false,
      }),
    );
  },
};
