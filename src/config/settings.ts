import { z } from 'zod';
import { GROUP_ID_PATTERN, USER_ID, USER_ID_PATTERN } from '../lib/slack-ids.ts';
import { automationsSchema } from './automations-schema.ts';
import { parseYamlFile } from './yaml-file.ts';

/**
 * The YAML file (`CONFIG_PATH`): team settings that are not secrets. Every key is optional;
 * unknown keys are errors so that a typo is reported instead of silently ignored.
 */
const severity = z.enum(['sev1', 'sev2', 'sev3', 'sev4']);

const minutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60);
const principal = z
  .string()
  .regex(
    new RegExp(`^(anyone|commander|comms|declarer|admins|${USER_ID_PATTERN}|${GROUP_ID_PATTERN})$`),
    'must be anyone, commander, comms, declarer, admins, a Slack user id (U…) or a user group id (S…)',
  );
const principalList = z.array(principal).min(1).max(100);
const principals = principalList.default(['anyone']);
const scheduleId = z.string().regex(/^[A-Z0-9]{2,20}$/, 'must be a PagerDuty schedule id like PABC123');
const people = z
  .array(
    z
      .string()
      .regex(
        new RegExp(`^(${USER_ID_PATTERN}|${GROUP_ID_PATTERN})$`),
        'must be a Slack user id (U…) or a user group id (S…)',
      ),
  )
  .max(100);

export const settingsSchema = z
  .object({
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'is not an IANA time zone (e.g. Europe/Berlin, UTC)' })
      .default('UTC'),
    default_severity: severity.default('sev3'),
    channel_prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,19}$/, 'must be 1-20 lowercase letters, digits, - or _')
      .default('inc'),
    comms: z
      .object({
        // Slack user ids who take turns as communications lead.
        rotation: z.array(z.string().regex(USER_ID, 'must be Slack user ids like U012ABCDEF')).max(200).default([]),
        // A PagerDuty schedule whose on-call person is the comms lead (needs PAGERDUTY_TOKEN).
        pagerduty_schedule: scheduleId.optional(),
        // Per PagerDuty service id, the schedule for its pages instead of pagerduty_schedule.
        schedules: z
          .record(z.string(), scheduleId)
          .superRefine((r, ctx) => {
            // Checked here rather than as the record's key schema, so the message says what a key must be.
            for (const key of Object.keys(r)
              .filter((k) => !/^[A-Z0-9]{2,20}$/.test(k))
              .slice(0, 10))
              ctx.addIssue({ code: 'custom', path: [key], message: 'must be a PagerDuty service id like PSVC123' });
            if (Object.keys(r).length > 200) ctx.addIssue({ code: 'custom', message: 'at most 200 services' });
          })
          .default({}),
        // How often an open incident's schedule is looked at for a change of shift.
        shift_check_minutes: minutes.default(5),
        // Who the comms lead keeps informed (named in their pinned duties): Slack users, user groups, channels.
        stakeholders: z
          .array(
            z
              .string()
              .regex(
                new RegExp(`^(${USER_ID_PATTERN}|${GROUP_ID_PATTERN}|C[A-Z0-9]{2,})$`),
                'must be a Slack user (U…), user group (S…) or channel (C…) id',
              ),
          )
          .max(50)
          .default([]),
      })
      .strict()
      .default({ rotation: [], schedules: {}, shift_check_minutes: 5, stakeholders: [] }),
    pagerduty: z
      .object({
        priorities: z
          .record(z.string().max(64), severity)
          .default({ P1: 'sev1', P2: 'sev2', P3: 'sev3', P4: 'sev4', P5: 'sev4' }),
        urgencies: z.record(z.string().max(32), severity).default({ high: 'sev2', low: 'sev4' }),
        // PagerDuty service ids whose pages open private incidents (security alerts).
        private_services: z
          .array(z.string().regex(/^[A-Z0-9]{1,32}$/, 'a PagerDuty service id'))
          .max(200)
          .default([]),
        // The service a page to an escalation policy (`/incident page policy:P…`) is filed under:
        // PagerDuty creates every incident on a service. Unset: the service of the page that opened the incident.
        page_service: z
          .string()
          .regex(/^[A-Z0-9]{2,20}$/, 'must be a PagerDuty service id like PSVC123')
          .optional(),
      })
      .strict()
      .default({
        priorities: { P1: 'sev1', P2: 'sev2', P3: 'sev3', P4: 'sev4', P5: 'sev4' },
        urgencies: { high: 'sev2', low: 'sev4' },
        private_services: [],
      }),
    // Minutes between status updates the comms lead owes, per severity.
    update_cadence_minutes: z
      .object({ sev1: minutes, sev2: minutes, sev3: minutes, sev4: minutes })
      .strict()
      .default({ sev1: 15, sev2: 30, sev3: 60, sev4: 60 }),
    // How often the channel is told that nobody holds the comms lead role.
    comms_vacant_reminder_minutes: minutes.default(5),
    // Resolved channels are archived this long after resolution (never at once).
    archive_after_minutes: z
      .number()
      .int()
      .min(5)
      .max(60 * 24 * 90)
      .default(24 * 60),
    // Messages reacted to with this emoji are copied into the timeline (as are pinned ones).
    capture_emoji: z
      .string()
      .regex(/^[a-z0-9_+'-]{1,64}$/, 'must be an emoji name without colons, e.g. pushpin')
      .default('pushpin'),
    // Who may do what (src/incidents/permissions.ts): anyone, the incident's roles (commander, comms),
    // its declarer, the admins, Slack users (U…) or user groups (S…).
    permissions: z
      .object({
        resolve: principals,
        severity: principals,
        // Who closed it may open it again: unless given, the same people as `resolve`.
        reopen: principalList.optional(),
        // Replacing a report edited by hand (`/incident postmortem --force`).
        postmortem_force: principals.default(['commander', 'declarer', 'admins']),
        // Paging someone from an incident (`/incident page`).
        page: principals,
        // Pausing and resuming an incident's automations (`/incident automations off|on`).
        automations: principals.default(['commander', 'declarer', 'admins']),
        // Users and user groups who may do whatever a list names `admins` for.
        admins: people.default([]),
        // Who may give a role to someone; anyone may still take a vacant role for themselves.
        role: z
          .object({
            commander: principals.default(['commander', 'declarer', 'admins']),
            comms: principals.default(['commander', 'comms', 'admins']),
          })
          .strict()
          .default({ commander: ['commander', 'declarer', 'admins'], comms: ['commander', 'comms', 'admins'] }),
      })
      .strict()
      .default({
        resolve: ['anyone'],
        severity: ['anyone'],
        postmortem_force: ['commander', 'declarer', 'admins'],
        page: ['anyone'],
        automations: ['commander', 'declarer', 'admins'],
        admins: [],
        role: { commander: ['commander', 'declarer', 'admins'], comms: ['commander', 'comms', 'admins'] },
      }),
    status_page: z
      .object({
        name: z.string().min(1).max(100).default('Service status'),
        // Who may publish a public update (same principals as permissions).
        publish: principals.default(['commander', 'comms']),
        // Who may schedule and complete maintenance windows (no incident, so no commander or comms).
        maintenance: principals.default(['anyone']),
        // Signed POSTs to these on every public change; the secret is read from the named variable.
        webhooks: z
          .array(
            z
              .object({
                url: z
                  .string()
                  .max(2000)
                  .url()
                  .regex(/^https?:\/\//i, 'must be an http or https URL'),
                secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'must name an environment variable'),
              })
              .strict(),
          )
          .max(20)
          .default([]),
      })
      .strict()
      .default({ name: 'Service status', publish: ['commander', 'comms'], maintenance: ['anyone'], webhooks: [] }),
    components: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, - or _'),
            name: z.string().min(1).max(100),
            description: z.string().max(500).optional(),
            group: z.string().min(1).max(100).optional(),
            // The component's id on Atlassian Statuspage, when mirroring.
            statuspage_id: z.string().max(64).optional(),
          })
          .strict(),
      )
      .max(200)
      .default([])
      .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'component ids must be unique'),
    postmortem: z
      .object({
        // Draft and publish the report as soon as an incident is resolved.
        on_resolve: z.boolean().default(true),
        // A team's own Handlebars template (path), instead of templates/postmortem.md.hbs.
        template: z.string().min(1).max(1024).optional(),
        // Where private incidents' reports go (owner/name, pushed with GITHUB_TOKEN). Unset, they stay off
        // GitHub: saved beside the database and attached in the incident's channel.
        private_repo: z
          .string()
          .max(200)
          .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name, e.g. acme/security-postmortems')
          .optional(),
        // A resolved incident's report pull request still open this many days after it was opened:
        // the commander is reminded once in the channel. Unset, no reminder.
        remind_open_pr_days: z.number().int().min(1).max(365).optional(),
      })
      .strict()
      .default({ on_resolve: true }),
    outbox: z
      .object({
        concurrency: z.number().int().min(1).max(64).default(8),
        max_attempts: z.number().int().min(1).max(1000).default(30),
        // Delivered effects (and seen webhook ids) are forgotten after this many days.
        retention_days: z.number().int().min(1).max(3650).default(30),
        // A call to Slack, PagerDuty, GitHub or Statuspage that has not answered by then is given up and retried.
        timeout_seconds: z.number().min(0.5).max(120).default(10),
      })
      .strict()
      .default({ concurrency: 8, max_attempts: 30, retention_days: 30, timeout_seconds: 10 }),
    audit: z
      .object({
        // Audit records (who granted a role, ran a runbook, published …) are kept this many days.
        retention_days: z.number().int().min(1).max(36500).default(400),
      })
      .strict()
      .default({ retention_days: 400 }),
    runbooks: z
      .object({
        // Where runbook files (*.yaml) are, relative to this file.
        dir: z.string().min(1).max(1024).default('runbooks'),
        // Runbook runs at once, across all incidents.
        max_concurrent: z.number().int().min(1).max(64).default(4),
        // Output kept per step; beyond it the rest is dropped (and said so).
        output_limit_kb: z
          .number()
          .int()
          .min(1)
          .max(16 * 1024)
          .default(1024),
      })
      .strict()
      .default({ dir: 'runbooks', max_concurrent: 4, output_limit_kb: 1024 }),
    announcements: z
      .object({
        // The channel where declarations, severity changes and resolutions are summarised (and the monthly
        // insights summary is posted). Unset, nothing is announced.
        channel: z
          .string()
          .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123ANNOUNCE')
          .optional(),
        // Quieter incidents are not announced.
        min_severity: severity.default('sev2'),
      })
      .strict()
      .default({ min_severity: 'sev2' }),
    alertmanager: z
      .object({
        // An alert group's `severity` label → the incident's severity (sev1…sev4 as a value always match).
        severities: z
          .record(z.string().min(1).max(64), severity)
          .default({ critical: 'sev1', warning: 'sev3', info: 'sev4' }),
      })
      .strict()
      .default({ severities: { critical: 'sev1', warning: 'sev3', info: 'sev4' } }),
    // What happens by itself when an event arrives or a timer runs out (README: Automations and policies).
    automations: automationsSchema,
    storage: z
      .object({
        // Below this much free space on the database's volume, /readyz and the log warn (and doctor says so).
        min_free_mb: z.number().int().min(0).max(10_000_000).default(200),
      })
      .strict()
      .default({ min_free_mb: 200 }),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses and validates the YAML text; returns settings or one message per problem, with line numbers. */
export function parseSettings(
  text: string,
  fileName: string,
): { settings: Settings; problems: [] } | { settings?: undefined; problems: string[] } {
  const parsed = parseYamlFile(settingsSchema, text, fileName, undefined, bracketPath);
  return parsed.value ? { settings: parsed.value, problems: [] } : { problems: parsed.problems };
}

/** `automations[0].when.after_minutes`: a list's item by its index, as people write it. */
function bracketPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
