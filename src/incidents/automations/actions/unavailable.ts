import type { AutomationAction } from './action.ts';

/**
 * An action the settings accept but this bot cannot do yet: said on the timeline every time the
 * automation fires, rather than silently doing nothing.
 */
export const unavailableAction = (name: string): AutomationAction =>
  ({
    done: () => `did not ${name} (not available yet)`,
    would: () => `would ${name} (not available yet)`,
    apply(ctx) {
      ctx.change.event({
        incidentId: ctx.incident.id,
        kind: 'automation_unavailable',
        actor: ctx.actor.id,
        body: `automation ${ctx.automation}: action ${name} is not available yet`,
        data: { automation: ctx.automation, action: name },
      });
    },
  }) satisfies AutomationAction;
