import { ErrorCode, UserError } from '../../../lib/errors.ts';
import { announceNow } from '../../announcements.ts';
import type { AutomationAction } from './action.ts';

/** Why an announcement was not made, as the timeline says it: the action is then recorded as not done. */
const REFUSED: Partial<Record<ReturnType<typeof announceNow>, UserError>> = {
  private: new UserError(ErrorCode.Forbidden, 'a private incident is never announced'),
  not_configured: new UserError(ErrorCode.NotConfigured, 'no announcements.channel is set in the settings file'),
};

/** Announces the incident whatever its severity, as the announcements do for one at min_severity. */
export const announceAction: AutomationAction<true> = {
  done: () => 'announced the incident',
  would: () => 'would announce the incident',
  apply(ctx) {
    const outcome = announceNow(ctx.core, ctx.incident.id, `automation:${ctx.firingId}:${ctx.index}`);
    const refusal = REFUSED[outcome];
    if (refusal) throw refusal;
  },
};
