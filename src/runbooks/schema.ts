import { z } from 'zod';
import { GROUP_ID_PATTERN, USER_ID_PATTERN } from '../lib/slack-ids.ts';

/** A placeholder in a runbook string: a parameter, `incident.<field>`, or `env.<NAME>` (listed names only). */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;
export const INCIDENT_FIELDS = ['incident.id', 'incident.title', 'incident.severity', 'incident.channel'] as const;

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (at most 63)');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');
const who = z
  .string()
  .regex(
    new RegExp(`^(anyone|commander|comms|declarer|admins|${USER_ID_PATTERN}|${GROUP_ID_PATTERN})$`),
    'must be anyone, commander, comms, declarer, admins, a Slack user id (U…) or a user group id (S…)',
  );

const paramBase = { description: z.string().max(300).optional(), required: z.boolean().optional() };
const paramSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('string'),
    ...paramBase,
    pattern: z.string().max(500).optional(),
    max_length: z.number().int().min(1).max(4000).default(200),
    // A value starting with "-" could be read as an option by the program; allow it only on purpose.
    allow_leading_dash: z.boolean().default(false),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('enum'),
    ...paramBase,
    values: z.array(z.string().min(1).max(100)).min(1).max(100),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('integer'),
    ...paramBase,
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    default: z.number().int().optional(),
  }),
]);
export type ParamSpec = z.infer<typeof paramSchema>;

const stepBase = {
  name: z.string().min(1).max(80).optional(),
  /** Needs an approving click (by someone other than the requester when others are responding). */
  confirm: z.boolean().default(false),
  /** Harmless to really run during a dry run (e.g. a read-only probe). */
  dry_run_safe: z.boolean().default(false),
};
const timeout = z.number().min(0.1).max(3600);

const stepSchema = z.union([
  z.strictObject({
    ...stepBase,
    exec: z.strictObject({
      program: z.string().min(1).max(500),
      args: z.array(z.string().max(4000)).max(100).default([]),
      cwd: z.string().max(500).default('.'),
      env: z.array(envName).max(50).default([]),
      timeout_seconds: timeout.default(60),
    }),
  }),
  z.strictObject({
    ...stepBase,
    http: z.strictObject({
      method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
      url: z.string().min(1).max(2000),
      headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.string().max(2000)).default({}),
      // Text as it is (no placeholders unless it is JSON), or JSON: as YAML data or JSON text, built as
      // data with each value placed in a string and serialised, never spliced into JSON text.
      body: z.union([z.string().max(100_000), z.record(z.string(), z.json()), z.array(z.json())]).optional(),
      expect_status: z
        .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
        .optional(),
      env: z.array(envName).max(20).default([]),
      timeout_seconds: timeout.default(30),
    }),
  }),
  z.strictObject({ ...stepBase, slack: z.strictObject({ text: z.string().min(1).max(3000) }) }),
  z.strictObject({
    ...stepBase,
    pagerduty: z.union([
      z.strictObject({ note: z.string().min(1).max(3000) }),
      z.strictObject({ escalate: z.number().int().min(1).max(20) }),
    ]),
  }),
]);
export type StepSpec = z.infer<typeof stepSchema>;

export const runbookSchema = z.strictObject({
  name,
  version: z.union([z.string().min(1).max(40), z.number()]).transform(String),
  description: z.string().min(1).max(500),
  /** Who may run it (default: anyone who may act in the incident). */
  allowed: z.array(who).min(1).default(['anyone']),
  /** Several runs of it in one incident at the same time. */
  concurrent: z.boolean().default(false),
  /** http steps may call loopback, link-local and private addresses (refused by default). */
  allow_private: z.boolean().default(false),
  params: z
    .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lower-case parameter name'), paramSchema)
    .default({}),
  steps: z.array(stepSchema).min(1).max(50),
});
export type RunbookSpec = z.infer<typeof runbookSchema>;

export type StepKind = 'exec' | 'http' | 'slack' | 'pagerduty';
export const stepKind = (s: StepSpec): StepKind =>
  'exec' in s ? 'exec' : 'http' in s ? 'http' : 'slack' in s ? 'slack' : 'pagerduty';
export const stepName = (s: StepSpec, i: number) => s.name ?? `${stepKind(s)} ${i + 1}`;
