import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode } from '../lib/errors.ts';
import { parseSettings, settingsSchema, type Settings } from './settings.ts';

/**
 * The operator contract's environment variables (docs/design.md), each with what it is for, so that a
 * problem can name both the variable and why the bot needs it.
 */
const ENV_VARS = {
  SLACK_BOT_TOKEN: 'the Slack bot token (xoxb-…) the bot calls the Web API with',
  SLACK_SIGNING_SECRET: 'the Slack signing secret used to verify requests from Slack',
  SLACK_APP_TOKEN: 'a Slack app-level token (xapp-…); when set the bot uses Socket Mode instead of HTTP',
  SLACK_API_URL: 'the Slack Web API base URL',
  SLACK_RATE_SCALE:
    "Slack's rate limits compressed in time for a fake Slack (60: a minute's allowance a second); 1 for Slack",
  PAGERDUTY_TOKEN: 'the PagerDuty REST API token used to read users and acknowledge/resolve incidents',
  PAGERDUTY_FROM: 'the email address PagerDuty requires in the From header of writes',
  PAGERDUTY_WEBHOOK_SECRETS: 'comma-separated PagerDuty v3 webhook signing secrets',
  PAGERDUTY_API_URL: 'the PagerDuty REST API base URL',
  GITHUB_TOKEN: 'a GitHub token that can push branches and open pull requests for postmortems',
  GITHUB_REPO: 'the owner/name repository postmortem drafts are pushed to',
  GITHUB_API_URL: 'the GitHub REST API base URL',
  STATUSPAGE_API_KEY: 'the Atlassian Statuspage API key for mirroring public updates',
  STATUSPAGE_PAGE_ID: 'the Atlassian Statuspage page id to mirror to',
  STATUSPAGE_API_URL: 'the Atlassian Statuspage API base URL',
  PORT: 'the HTTP port the bot listens on',
  METRICS_PORT:
    'a second HTTP port serving /metrics and /readyz (and /healthz), so the public port need not expose them',
  DATABASE_PATH: 'the SQLite database file',
  DATABASE_URL:
    'a PostgreSQL URL (postgres://user:password@host:5432/db); when set the bot stores everything there, writes no SQLite file, and several replicas may share it',
  CONFIG_PATH: 'the YAML settings file',
  PUBLIC_URL: 'the base URL used in links the bot posts',
  LOG_LEVEL: 'the log level (fatal, error, warn, info, debug, trace, silent)',
  INSIGHTS_TOKEN: 'a bearer token (at least 32 characters) that opens /insights and its JSON and CSV for tools',
  ALERTMANAGER_TOKEN:
    'the bearer token (at least 16 characters) Prometheus Alertmanager sends to POST /webhooks/alertmanager; unset, that endpoint is off',
} as const;
type EnvVar = keyof typeof ENV_VARS;

export interface Config {
  slack: { botToken: string; signingSecret: string; appToken?: string; apiUrl: string; rateScale: number };
  pagerduty: { token?: string; from?: string; webhookSecrets: string[]; apiUrl: string };
  github: { token?: string; repo?: { owner: string; name: string }; apiUrl: string };
  statuspage: { apiKey?: string; pageId?: string; apiUrl: string };
  port: number;
  /** When set, /metrics and /readyz are served on this port only, not on `port`. */
  metricsPort?: number;
  databasePath: string;
  /** PostgreSQL instead of the SQLite file at `databasePath`. */
  databaseUrl?: string;
  configPath: string;
  publicUrl: string;
  logLevel: string;
  /** Who may open the insights page without a signed link (issue 21). */
  insights: { token?: string };
  /** Alerts from Prometheus Alertmanager (issue 19): its webhook is off without a token. */
  alertmanager: { token?: string };
  settings: Settings;
}

export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super(ErrorCode.ConfigInvalid, `Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const DEFAULT_DATABASE_PATH = './data/incident-bot.db';

/** The database file alone, for verbs that need nothing else (migrate, backup) and must work before Slack is set up. */
export const databasePathFrom = (env: Record<string, string | undefined>): string =>
  env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH;

/** Where the data lives, for verbs that need nothing else: PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export const storageFrom = (env: Record<string, string | undefined>): StorageLocation => ({
  databasePath: databasePathFrom(env),
  databaseUrl: env.DATABASE_URL?.trim() || undefined,
});

export interface StorageLocation {
  databasePath: string;
  databaseUrl?: string;
}

const optional = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));
const url = (fallback: string) =>
  optional
    .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional())
    .transform((s) => s ?? fallback);

const port = optional
  .pipe(
    z
      .string()
      .refine((p) => /^\d{1,5}$/.test(p) && Number(p) <= 65535, 'must be a port number from 0 to 65535')
      .optional(),
  )
  .transform((p) => (p === undefined ? undefined : Number(p)));

const envSchema = z.object({
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional.pipe(z.string().startsWith('xapp-', 'must start with xapp-').optional()),
  SLACK_API_URL: url('https://slack.com/api/').transform((s) => (s.endsWith('/') ? s : `${s}/`)),
  SLACK_RATE_SCALE: optional
    .pipe(
      z
        .string()
        .regex(/^\d{1,6}$/, 'must be a whole number from 1')
        .optional(),
    )
    .transform((s) => Math.max(1, Number(s ?? 1))),
  PAGERDUTY_TOKEN: optional,
  PAGERDUTY_FROM: optional.pipe(z.email('must be an email address').optional()),
  PAGERDUTY_WEBHOOK_SECRETS: optional.transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
  PAGERDUTY_API_URL: url('https://api.pagerduty.com'),
  GITHUB_TOKEN: optional,
  GITHUB_REPO: optional.pipe(
    z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name, e.g. acme/postmortems')
      .optional(),
  ),
  GITHUB_API_URL: url('https://api.github.com'),
  STATUSPAGE_API_KEY: optional,
  STATUSPAGE_PAGE_ID: optional,
  STATUSPAGE_API_URL: url('https://api.statuspage.io/v1'),
  PORT: port.transform((p) => p ?? 3000),
  METRICS_PORT: port,
  DATABASE_PATH: optional.transform((s) => s ?? DEFAULT_DATABASE_PATH),
  DATABASE_URL: optional.pipe(
    z
      .url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// (or postgresql://) URL' })
      .max(2000)
      .optional(),
  ),
  CONFIG_PATH: optional,
  PUBLIC_URL: optional.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional()),
  LOG_LEVEL: optional.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  INSIGHTS_TOKEN: optional.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  ALERTMANAGER_TOKEN: optional.pipe(
    z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(512, 'must be at most 512 characters')
      .regex(/^\S+$/, 'must not contain spaces')
      .optional(),
  ),
});

/** The log level alone, checked as `loadConfig` checks it (the sandbox needs a logger before its config). */
export function logLevelFrom(env: Record<string, string | undefined>): string {
  const parsed = envSchema.shape.LOG_LEVEL.safeParse(env.LOG_LEVEL);
  if (!parsed.success) throw new ConfigError([`LOG_LEVEL ${parsed.error.issues[0]!.message} (${ENV_VARS.LOG_LEVEL})`]);
  return parsed.data ?? 'info';
}

/** Variables that only make sense together: if one is set, the others must be too. */
const TOGETHER: EnvVar[][] = [
  ['PAGERDUTY_TOKEN', 'PAGERDUTY_FROM'],
  ['GITHUB_TOKEN', 'GITHUB_REPO'],
  ['STATUSPAGE_API_KEY', 'STATUSPAGE_PAGE_ID'],
];

const DEFAULT_CONFIG_PATH = './incident-bot.yaml';

export function loadConfig(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as EnvVar;
      problems.push(`${name} ${issue.message} (${ENV_VARS[name]})`);
    }
  }
  const e = parsed.success ? parsed.data : undefined;
  const present = (name: EnvVar) => Boolean(env[name]?.trim());

  const required: EnvVar[] = ['SLACK_BOT_TOKEN'];
  if (!present('SLACK_APP_TOKEN')) required.push('SLACK_SIGNING_SECRET');
  for (const name of required) {
    if (!present(name)) problems.push(`${name} is not set: ${ENV_VARS[name]}`);
  }
  for (const group of TOGETHER) {
    const set = group.filter(present);
    if (set.length > 0 && set.length < group.length) {
      for (const name of group.filter((n) => !present(n))) {
        problems.push(`${name} is not set but ${set.join(', ')} is: ${ENV_VARS[name]}`);
      }
    }
  }

  // Port 0 asks the system for a free port, so two zeros never collide.
  if (e?.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problems.push(
      `METRICS_PORT is ${e.METRICS_PORT}, the same as PORT: give the metrics listener a port of its own (${ENV_VARS.METRICS_PORT})`,
    );
  }

  const configPath = e?.CONFIG_PATH ?? DEFAULT_CONFIG_PATH;
  const settings = loadSettings(configPath, Boolean(e?.CONFIG_PATH), readFile, problems);

  if (problems.length > 0 || !e || !settings) throw new ConfigError(problems);

  const [owner, name] = e.GITHUB_REPO?.split('/') ?? [];
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN!,
      signingSecret: e.SLACK_SIGNING_SECRET ?? '',
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      rateScale: e.SLACK_RATE_SCALE,
    },
    pagerduty: {
      token: e.PAGERDUTY_TOKEN,
      from: e.PAGERDUTY_FROM,
      webhookSecrets: e.PAGERDUTY_WEBHOOK_SECRETS,
      apiUrl: e.PAGERDUTY_API_URL,
    },
    github: {
      token: e.GITHUB_TOKEN,
      repo: owner && name ? { owner, name } : undefined,
      apiUrl: e.GITHUB_API_URL,
    },
    statuspage: { apiKey: e.STATUSPAGE_API_KEY, pageId: e.STATUSPAGE_PAGE_ID, apiUrl: e.STATUSPAGE_API_URL },
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    configPath,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL ?? 'info',
    insights: { token: e.INSIGHTS_TOKEN },
    alertmanager: { token: e.ALERTMANAGER_TOKEN },
    settings,
  };
}

function loadSettings(
  path: string,
  explicit: boolean,
  readFile: (path: string) => string,
  problems: string[],
): Settings | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // The default file is optional; a file the operator named must exist.
    if (missing && !explicit) return withRunbookDir(settingsSchema.parse({}), path);
    problems.push(`CONFIG_PATH ${path} cannot be read (${(error as Error).message}): ${ENV_VARS.CONFIG_PATH}`);
    return undefined;
  }
  const result = parseSettings(text, path);
  problems.push(...result.problems);
  return result.settings && withRunbookDir(withTemplate(result.settings, path, readFile, problems), path);
}

/** Runbooks are found beside the settings file, whether or not that file exists. */
const withRunbookDir = (settings: Settings, settingsPath: string): Settings => ({
  ...settings,
  runbooks: { ...settings.runbooks, dir: resolve(dirname(settingsPath), settings.runbooks.dir) },
});

/**
 * A team's report template is found beside the settings file and checked now: a typo in it should
 * stop `start`, not surface hours later as a report that fails to draft after an incident.
 */
function withTemplate(
  settings: Settings,
  settingsPath: string,
  readFile: (path: string) => string,
  problems: string[],
): Settings {
  const template = settings.postmortem.template;
  if (!template) return settings;
  const full = resolve(dirname(settingsPath), template);
  try {
    Handlebars.parse(readFile(full));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code
      ? `cannot be read (${(error as Error).message})`
      : `is not a valid Handlebars template: ${(error as Error).message.split('\n')[0]}`;
    problems.push(`${settingsPath}: postmortem.template ${full} ${reason}`);
  }
  return { ...settings, postmortem: { ...settings.postmortem, template: full } };
}
