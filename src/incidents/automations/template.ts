import Handlebars from 'handlebars';
import { ErrorCode, UserError } from '../../lib/errors.ts';
import type { Incident } from '../types.ts';
import type { EventFacts } from './types.ts';

/** What `{{…}}` may name in an automation's parameters and messages. */
export interface TemplateValues {
  incident: { id: number; title: string; severity: string; status: string; service: string | null };
  event: { title: string; service: string | null; urgency: string | null; priority: string | null };
  alert: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function templateValues(incident: Incident, facts: EventFacts): TemplateValues {
  return {
    incident: {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      service: incident.serviceName,
    },
    event: { title: facts.title, service: facts.service, urgency: facts.urgency, priority: facts.priority },
    // `{{alert.host}}`: an alert's labels, then its annotations (Alertmanager's own two maps).
    alert: { ...facts.annotations, ...facts.labels },
    labels: facts.labels,
    annotations: facts.annotations,
  };
}

/**
 * Fills a template with plain values: no HTML escaping (the text is not HTML; where it goes escapes it
 * for itself: the Slack edge for notes and notices, the runbook's parameter rules for a run). Strict:
 * a name the event does not carry (`{{alert.host}}` for a page) refuses the action rather than
 * leaving a blank in a command. Only the built-in block helpers exist.
 */
export function fill(template: string, values: TemplateValues, max: number): string {
  let text: string;
  try {
    text = Handlebars.compile(template, { strict: true, noEscape: true, knownHelpersOnly: true })(values);
  } catch (error) {
    const name = /"([^"]{1,60})" not defined/.exec((error as Error).message)?.[1];
    throw new UserError(
      ErrorCode.BadArgument,
      name
        ? `\`${template.slice(0, 80)}\` uses ${name}, which this event does not have`
        : `\`${template.slice(0, 80)}\` is not a template the bot can fill (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (text.length > max)
    throw new UserError(
      ErrorCode.BadArgument,
      `\`${template.slice(0, 80)}\` filled is ${text.length} characters (at most ${max})`,
    );
  return text;
}
