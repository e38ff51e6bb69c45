import { Database } from '../db/sqlite-driver.ts';
import { existsSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { createPagerDutyClient } from '../pagerduty/rest-client.ts';
import { tokenRefusedAdvice } from '../pagerduty/token-watch.ts';
import { createGitHubClient } from '../postmortem/github-client.ts';
import { appliedVersions, migrationState, readMigrations } from '../db/migrate.ts';
import { openPostgres, redact } from '../db/postgres/pg-database.ts';
import { volumeFreeSpace, type FreeSpaceReader } from '../db/storage-health.ts';
import { loadRunbooks } from '../runbooks/load.ts';
import { describeParam } from '../runbooks/params.ts';
import { stepKind } from '../runbooks/schema.ts';

export interface Finding {
  check: string;
  ok: boolean;
  lines: string[];
}

type Check = (config: Config) => Finding | Promise<Finding>;

/** What to check for each way PostgreSQL refuses (its SQLSTATE, or the connection thread's own codes). */
const PG_REFUSALS: Record<string, { what: string; fix: string }> = {
  PG_CONNECTION: {
    what: 'cannot be reached',
    fix: 'check the host and port in DATABASE_URL, that PostgreSQL runs, and that it accepts connections from here',
  },
  PG_TIMEOUT: { what: 'did not answer', fix: 'check the host in DATABASE_URL and the network (firewall) between' },
  '28P01': { what: 'refused the login', fix: 'check the user and password in DATABASE_URL' },
  '28000': { what: 'refused the login', fix: "check the user in DATABASE_URL and the server's pg_hba.conf" },
  '3D000': { what: 'cannot be used', fix: 'the database in DATABASE_URL does not exist: create it (createdb) first' },
  '42501': { what: 'cannot be used', fix: 'the user in DATABASE_URL lacks a privilege the bot needs' },
};

/**
 * PostgreSQL (DATABASE_URL): connects, names the server's version and the migration state; reads only.
 * A failure is one line with the URL's password hidden, never a stack.
 */
const postgres = (url: string): Finding => {
  const where = redact(url);
  const db = openPostgres({ url, applicationName: 'incident-bot doctor', connectTimeoutMs: 5_000 });
  try {
    const version = db.prepare("SELECT current_setting('server_version') AS version").pluck().get() as string;
    const { applied, pending } = migrationState(db);
    const state = pending.length
      ? `pending: ${pending.join(', ')} (applied on start, or by \`incident-bot migrate\`)`
      : 'none pending';
    return {
      check: 'database',
      ok: true,
      lines: [`PostgreSQL ${version.split(' ')[0]} at ${where}: ${applied} migrations applied, ${state}`],
    };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const refusal = PG_REFUSALS[code] ?? { what: 'cannot be used', fix: 'check DATABASE_URL' };
    const password = safeDecode(new URL(url).password);
    const said = (error as Error).message.split('\n')[0]!;
    const reason = password ? said.split(password).join('***') : said;
    return { check: 'database', ok: false, lines: [`${where} ${refusal.what}: ${refusal.fix} (${reason})`] };
  } finally {
    try {
      db.close();
    } catch {
      // never connected: nothing to close
    }
  }
};

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Opens the database read-only (doctor changes nothing) and says which migrations are pending. */
const database: Check = (config) => {
  if (config.databaseUrl) return postgres(config.databaseUrl);
  if (!existsSync(config.databasePath))
    return {
      check: 'database',
      ok: true,
      lines: [`${config.databasePath} does not exist yet; \`incident-bot migrate\` or \`start\` creates it`],
    };
  try {
    const db = new Database(config.databasePath, { readonly: true, fileMustExist: true });
    const applied = appliedVersions(db);
    db.close();
    const pending = readMigrations()
      .filter((m) => !applied.has(m.version))
      .map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
    return {
      check: 'database',
      ok: true,
      lines: [
        `${config.databasePath}: ${applied.size} migrations applied${pending.length ? `, pending: ${pending.join(', ')} (applied on start)` : ''}`,
      ],
    };
  } catch (error) {
    return {
      check: 'database',
      ok: false,
      lines: [`${config.databasePath} cannot be opened: ${(error as Error).message}`],
    };
  }
};

/** Free space on the database's volume, against `storage.min_free_mb`: a full disk refuses every change. */
const storage =
  (freeSpace: (databasePath: string) => FreeSpaceReader): Check =>
  (config) => {
    if (config.databaseUrl)
      return {
        check: 'storage',
        ok: true,
        lines: ["skipped on PostgreSQL: the server's disk is its operator's to watch; no SQLite volume is written"],
      };
    const bytes = freeSpace(config.databasePath)();
    const min = config.settings.storage.min_free_mb;
    if (bytes === undefined)
      return { check: 'storage', ok: true, lines: ["free space of the database's volume is unknown"] };
    const mb = Math.floor(bytes / (1024 * 1024));
    return mb >= min
      ? { check: 'storage', ok: true, lines: [`${mb} MB free on the database's volume (warning below ${min} MB)`] }
      : {
          check: 'storage',
          ok: false,
          lines: [
            `${mb} MB free on the database's volume, below storage.min_free_mb (${min}): free space (old logs are the usual culprit) or move DATABASE_PATH to a larger volume before writes fail`,
          ],
        };
  };

const runbooks: Check = (config) => {
  const set = loadRunbooks(config.settings.runbooks.dir);
  const lines = [...set.runbooks.values()].map(({ spec, sha }) => {
    const params = Object.entries(spec.params)
      .map(([n, p]) => describeParam(n, p))
      .join(' ');
    const steps = spec.steps.map((s) => `${stepKind(s)}${s.confirm ? '(confirm)' : ''}`).join(', ');
    return `${spec.name} v${spec.version} (${sha}): ${spec.description} — steps: ${steps}${params ? ` — ${params}` : ''} — allowed: ${spec.allowed.join(', ')}`;
  });
  if (lines.length === 0) lines.push(`no runbooks in ${set.dir}`);
  return {
    check: 'runbooks',
    ok: set.problems.length === 0,
    lines: [...lines, ...set.problems.map((p) => `problem: ${p}`)],
  };
};

/** Runs an integration's probe with a deadline; a failure becomes one line with what to do about it. */
const probe = async (
  check: string,
  configured: boolean,
  run: () => Promise<string>,
  fix: (error: unknown) => string,
): Promise<Finding> => {
  if (!configured) return { check, ok: true, lines: ['not configured'] };
  try {
    const line = await Promise.race([
      run(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
    ]);
    return { check, ok: true, lines: [line] };
  } catch (error) {
    return { check, ok: false, lines: [fix(error)] };
  }
};
const message = (error: unknown) => (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;

const slack: Check = (config) =>
  probe(
    'slack',
    true,
    async () => {
      const client = new webApi.WebClient(config.slack.botToken, {
        slackApiUrl: config.slack.apiUrl,
        retryConfig: { retries: 0 },
        timeout: 10_000,
      });
      const me = await client.auth.test();
      return `auth.test: workspace ${String(me.team)}, bot user ${String(me.user)} (${String(me.user_id)})`;
    },
    (error) =>
      `auth.test failed: ${message(error)} — ${/invalid_auth|not_authed|token_revoked|account_inactive/.test(message(error)) ? 'SLACK_BOT_TOKEN is wrong or revoked; copy the Bot User OAuth Token (xoxb-…) from the app settings' : `check that ${config.slack.apiUrl} is reachable`}`,
  );

const pagerduty: Check = (config) =>
  probe(
    'pagerduty',
    Boolean(config.pagerduty.token && config.pagerduty.from),
    async () => {
      const abilities = await createPagerDutyClient({
        token: config.pagerduty.token!,
        from: config.pagerduty.from!,
        apiUrl: config.pagerduty.apiUrl,
      }).abilities();
      const secrets = config.pagerduty.webhookSecrets.length;
      return `token works (${abilities.length} abilities); ${secrets ? `${secrets} webhook secret(s) set` : 'no PAGERDUTY_WEBHOOK_SECRETS: pages will be refused until one is set'}`;
    },
    (error) => {
      const status = (error as { status?: number }).status;
      const fix =
        status === 401 || status === 403
          ? tokenRefusedAdvice(status)
          : `check that ${config.pagerduty.apiUrl} is reachable`;
      return `GET /abilities failed: ${message(error)} — ${fix}`;
    },
  );

const github: Check = (config) =>
  probe(
    'github',
    Boolean(config.github.token && config.github.repo),
    async () => {
      const { owner, name } = config.github.repo!;
      const repo = (
        await (
          await createGitHubClient({ token: config.github.token!, apiUrl: config.github.apiUrl })
        ).repos.get({
          owner,
          repo: name,
        })
      ).data;
      if (!repo.permissions?.push)
        throw Object.assign(new Error(`the token cannot push to ${owner}/${name}`), { status: 403 });
      return `${repo.full_name}: push allowed, default branch ${repo.default_branch}`;
    },
    (error) => {
      const status = (error as { status?: number }).status;
      const hint =
        status === 401
          ? 'GITHUB_TOKEN is wrong or expired'
          : status === 404
            ? 'the repository does not exist or the token cannot see it (GITHUB_REPO)'
            : status === 403
              ? 'give the token Contents, Pull requests and Issues: read and write'
              : `check that ${config.github.apiUrl} is reachable`;
      return `${config.github.repo?.owner}/${config.github.repo?.name}: ${(error as Error).message} — ${hint}`;
    },
  );

const statuspage: Check = (config) =>
  probe(
    'statuspage',
    Boolean(config.statuspage.apiKey && config.statuspage.pageId),
    async () => {
      const res = await fetch(
        `${config.statuspage.apiUrl.replace(/\/+$/, '')}/pages/${encodeURIComponent(config.statuspage.pageId!)}`,
        { headers: { authorization: `OAuth ${config.statuspage.apiKey}` }, signal: AbortSignal.timeout(10_000) },
      );
      if (!res.ok)
        throw Object.assign(new Error(`GET /pages/${config.statuspage.pageId} answered ${res.status}`), {
          status: res.status,
        });
      const page = (await res.json()) as { name?: string };
      return `page ${config.statuspage.pageId} (${page.name ?? 'unnamed'})`;
    },
    (error) =>
      `${(error as Error).message} — ${(error as { status?: number }).status === 401 ? 'STATUSPAGE_API_KEY is wrong' : (error as { status?: number }).status === 404 ? 'STATUSPAGE_PAGE_ID is wrong' : 'check STATUSPAGE_API_URL'}`,
  );

/** Alertmanager has nothing to probe (it calls the bot): say whether its endpoint is on, and how to point it here. */
const alertmanager: Check = (config) => ({
  check: 'alertmanager',
  ok: true,
  lines: [
    config.alertmanager.token
      ? `ALERTMANAGER_TOKEN is set: POST ${config.publicUrl}/webhooks/alertmanager takes notifications that send it ` +
        '(webhook_configs → http_config.authorization.credentials)'
      : 'not configured: POST /webhooks/alertmanager is off (404) until ALERTMANAGER_TOKEN is set',
  ],
});

const checks = (freeSpace: (databasePath: string) => FreeSpaceReader): Check[] => [
  database,
  storage(freeSpace),
  runbooks,
  slack,
  pagerduty,
  github,
  statuspage,
  alertmanager,
];

/** `incident-bot doctor`: checks configuration and what it points at (each integration's credentials); changes nothing. */
export async function doctor(
  env: Record<string, string | undefined>,
  print: (line: string) => void,
  deps: { freeSpace?: (databasePath: string) => FreeSpaceReader } = {},
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print('✗ configuration');
    for (const p of error.problems) print(`    ${p}`);
    return 1;
  }
  print(`✓ configuration (${config.configPath})`);
  let ok = true;
  for (const check of checks(deps.freeSpace ?? volumeFreeSpace)) {
    const f = await check(config);
    ok &&= f.ok;
    print(`${f.ok ? '✓' : '✗'} ${f.check}`);
    for (const line of f.lines) print(`    ${line}`);
  }
  return ok ? 0 : 1;
}
