import { setSeverity } from '../../lifecycle.ts';
import type { Severity } from '../../types.ts';
import type { AutomationAction } from './action.ts';

/** Changes the severity as a person would (cadence, summary, duties), in the same transaction. */
export const severityAction: AutomationAction<Severity> = {
  done: (p) => `set the severity to ${p}`,
  would: (p) => `would set the severity to ${p}`,
  apply: (ctx, p) => void setSeverity(ctx.core, ctx.incident.id, p, ctx.actor),
};
