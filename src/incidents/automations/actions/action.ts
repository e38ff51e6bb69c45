import type { Change, Core } from '../../core.ts';
import type { Actor } from '../../permissions.ts';
import type { Incident } from '../../types.ts';
import type { TemplateValues } from '../template.ts';

/** What an action acts with: the change of the event that fired it (one transaction with it). */
export interface ActionContext {
  core: Core;
  change: Change;
  incident: Incident;
  automation: string;
  firingId: number;
  /** The action's place in the automation's `do:` list (keys its effects). */
  index: number;
  values: TemplateValues;
  actor: Actor;
  /** Lines the channel's notice of the firing shows under it (a note's text). */
  notes: string[];
}

/**
 * One kind of action. It acts inside the event's transaction (or queues what must happen after it,
 * through the outbox), so a firing and its actions are recorded together or not at all. A refusal
 * (a UserError) undoes only this action and is recorded on the timeline.
 */
export interface AutomationAction<P = unknown> {
  /** "ran runbook clean-tmp", for the timeline line of a firing. */
  done(params: P): string;
  /** "would run runbook clean-tmp", for a dry run. */
  would(params: P): string;
  apply(ctx: ActionContext, params: P): void;
}
