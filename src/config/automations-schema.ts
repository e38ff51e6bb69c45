import { RE2JS } from 're2js';
import { z } from 'zod';
import { GROUP_ID_PATTERN, USER_ID_PATTERN } from '../lib/slack-ids.ts';

/**
 * `automations:` in the settings file: what happens by itself when an event arrives or a timer
 * runs out. Every trigger, filter and action the operator contract names is accepted here, so a
 * file written for the whole contract starts, even where the bot cannot act on a key yet (it says
 * so on the timeline when the automation fires).
 */
const severity = z.enum(['sev1', 'sev2', 'sev3', 'sev4']);

/** The triggers: events as they happen, and timers that run out (these need `after_minutes`). */
export const AUTOMATION_EVENTS = [
  'page',
  'alert',
  'declared',
  'severity_changed',
  'resolved',
  'unacknowledged',
  'update_overdue',
] as const;
export const TIMED_EVENTS: readonly string[] = ['unacknowledged', 'update_overdue'];

/**
 * A title is matched by RE2 (re2js), whose time is linear in the title whatever the pattern; the
 * program's size times the longest title it meets is bounded as for runbook patterns, so a pattern
 * of many counted repetitions cannot hold the event loop either.
 */
export const TITLE_MATCH_MAX_SOURCE = 200;
export const TITLE_MATCH_MAX_INPUT = 1_000;
const MATCH_BUDGET = 1_000_000;

export function titlePatternProblem(source: string): string | null {
  try {
    const size = RE2JS.compile(source).programSize();
    if (size * TITLE_MATCH_MAX_INPUT > MATCH_BUDGET)
      return `is too costly to match: its program has ${size} steps for each of up to ${TITLE_MATCH_MAX_INPUT} characters (at most ${MATCH_BUDGET.toLocaleString('en')}); use fewer or smaller counted repetitions`;
    return null;
  } catch (error) {
    const why = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `is not a linear-time pattern: ${why} (RE2 syntax: no backreferences or lookaround)`;
  }
}

const shortText = (max: number) => z.string().min(1).max(max);
const pdId = z.string().regex(/^[A-Z0-9]{2,20}$/, 'must be a PagerDuty id like P5PP4N4');
const person = z
  .string()
  .regex(
    new RegExp(`^(${USER_ID_PATTERN}|${GROUP_ID_PATTERN})$`),
    'must be a Slack user id (U…) or a user group id (S…)',
  );

const when = z
  .object({
    event: z.enum(AUTOMATION_EVENTS),
    service: z.union([pdId, z.array(pdId).min(1).max(50)]).optional(),
    urgency: z.enum(['high', 'low']).optional(),
    priority: z.union([shortText(64), z.array(shortText(64)).min(1).max(20)]).optional(),
    title_matches: z
      .string()
      .min(1)
      .max(TITLE_MATCH_MAX_SOURCE)
      .superRefine((source, ctx) => {
        const problem = titlePatternProblem(source);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    severity: z.union([severity, z.array(severity).min(1).max(4)]).optional(),
    labels: z.record(shortText(100), z.string().max(200)).optional(),
    after_minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 7)
      .optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const timed = TIMED_EVENTS.includes(w.event);
    if (timed && w.after_minutes === undefined)
      ctx.addIssue({ code: 'custom', path: ['after_minutes'], message: `required for ${w.event}` });
    if (!timed && w.after_minutes !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['after_minutes'],
        message: `only applies to ${TIMED_EVENTS.join(' and ')}, not ${w.event}`,
      });
    if (w.labels && w.event !== 'alert')
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'only applies to event: alert' });
  });

/** A Handlebars template (`{{incident.title}}`): parsed when the automation fires, bounded here. */
const template = (max: number) => z.string().min(1).max(max);

/** One key per action, its value the action's parameters: the keys are the action table's names. */
export const automationActionSchemas = {
  runbook: z
    .object({
      name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a runbook name (lower-case letters, digits, -)'),
      params: z
        .record(z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/, 'must be a parameter name'), template(500))
        .optional(),
      dry_run: z.boolean().optional(),
    })
    .strict(),
  invite: z.array(person).min(1).max(50),
  severity,
  note: template(2000),
  announce: z.literal(true),
  page: z
    .object({
      escalation_policy: pdId.optional(),
      service: pdId.optional(),
      message: template(1000).optional(),
    })
    .strict()
    .refine((p) => Boolean(p.escalation_policy ?? p.service), 'needs escalation_policy or service'),
  // The incident's page to the next level of its escalation policy.
  escalate: z.literal(true),
} as const;
export type AutomationActionName = keyof typeof automationActionSchemas;

const action = z
  .record(z.string(), z.unknown())
  .superRefine((step, ctx) => {
    const keys = Object.keys(step);
    const names = Object.keys(automationActionSchemas);
    if (keys.length !== 1 || !names.includes(keys[0]!)) {
      ctx.addIssue({ code: 'custom', message: `must be exactly one of ${names.join(', ')}` });
      return;
    }
    const name = keys[0] as AutomationActionName;
    const parsed = automationActionSchemas[name].safeParse(step[name]);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: [name, ...(issue.path as (string | number)[])], message: issue.message });
  })
  .transform((step) => step as { [K in AutomationActionName]?: z.infer<(typeof automationActionSchemas)[K]> });

export const automationSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lower-case letters, digits, - or _'),
    description: z.string().max(500).optional(),
    // `on` and `off` stay strings even where YAML 1.1 would read them as booleans.
    mode: z.union([z.enum(['on', 'dry-run', 'off']), z.boolean().transform((b) => (b ? 'on' : 'off'))]).default('on'),
    when,
    do: z.array(action).min(1).max(20),
  })
  .strict();

export type AutomationSettings = z.infer<typeof automationSchema>;

export const automationsSchema = z
  .array(automationSchema)
  .max(200)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((a, i) => {
      if (seen.has(a.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${a.name} is used twice; names must be unique` });
      seen.add(a.name);
    });
  })
  .default([]);
