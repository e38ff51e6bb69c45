import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { readMigrations } from './db/migrate.ts';
import { loadRunbooks } from './runbooks/load.ts';
import { describeParam } from './runbooks/params.ts';
import { stepKind } from './runbooks/schema.ts';

export interface Finding {
  check: string;
  ok: boolean;
  lines: string[];
}

type Check = (config: Config) => Finding | Promise<Finding>;

/** Opens the database read-only (doctor changes nothing) and says which migrations are pending. */
const database: Check = (config) => {
  if (!existsSync(config.databasePath)) return { check: 'database', ok: true, lines: [`${config.databasePath} does not exist yet; \`incident-bot migrate\` or \`start\` creates it`] };
  try {
    const db = new Database(config.databasePath, { readonly: true, fileMustExist: true });
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    db.close();
    const pending = readMigrations().filter((m) => !applied.has(m.version)).map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
    return { check: 'database', ok: true, lines: [`${config.databasePath}: ${applied.size} migrations applied${pending.length ? `, pending: ${pending.join(', ')} (applied on start)` : ''}`] };
  } catch (error) {
    return { check: 'database', ok: false, lines: [`${config.databasePath} cannot be opened: ${(error as Error).message}`] };
  }
};

const runbooks: Check = (config) => {
  const set = loadRunbooks(config.settings.runbooks.dir);
  const lines = [...set.runbooks.values()].map(({ spec, sha }) => {
    const params = Object.entries(spec.params).map(([n, p]) => describeParam(n, p)).join(' ');
    const steps = spec.steps.map((s) => `${stepKind(s)}${s.confirm ? '(confirm)' : ''}`).join(', ');
    return `${spec.name} v${spec.version} (${sha}): ${spec.description} — steps: ${steps}${params ? ` — ${params}` : ''} — allowed: ${spec.allowed.join(', ')}`;
  });
  if (lines.length === 0) lines.push(`no runbooks in ${set.dir}`);
  return { check: 'runbooks', ok: set.problems.length === 0, lines: [...lines, ...set.problems.map((p) => `problem: ${p}`)] };
};

const CHECKS: Check[] = [database, runbooks];

/** `incident-bot doctor`: checks configuration and what it points at; changes nothing. */
export async function doctor(env: Record<string, string | undefined>, print: (line: string) => void): Promise<number> {
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
  for (const check of CHECKS) {
    const f = await check(config);
    ok &&= f.ok;
    print(`${f.ok ? '✓' : '✗'} ${f.check}`);
    for (const line of f.lines) print(`    ${line}`);
  }
  return ok ? 0 : 1;
}
