import type { Severity } from '../types.ts';

/**
 * An automation as the domain runs it (the settings file's `automations:` entries, already checked).
 * Triggers, filters and actions are named by the tables in triggers.ts, filters.ts and actions/.
 */
export interface AutomationSpec {
  name: string;
  mode: 'on' | 'dry-run' | 'off';
  when: AutomationWhen;
  do: ActionStep[];
}

export interface AutomationWhen {
  event: string;
  service?: string | string[];
  urgency?: string;
  priority?: string | string[];
  title_matches?: string;
  severity?: Severity | Severity[];
  labels?: Record<string, string>;
  after_minutes?: number;
}

/** One action: a single key (the action's name) and its parameters. */
export type ActionStep = Partial<Record<string, unknown>>;

/** What an event says, for the filters to look at and the templates to use. */
export interface EventFacts {
  /** The title the event carries (the page's, the alert's), else the incident's. */
  title: string;
  service: string | null;
  urgency: string | null;
  priority: string | null;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The automation's own name as an actor in the timeline and the audit log: `automation:<name>`. */
export const AUTOMATION_ACTOR_PREFIX = 'automation:';
export const automationRef = (name: string): string => `${AUTOMATION_ACTOR_PREFIX}${name}`;
export const isAutomationRef = (actor: string | null | undefined): boolean =>
  typeof actor === 'string' && actor.startsWith(AUTOMATION_ACTOR_PREFIX);
