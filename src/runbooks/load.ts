import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { parseYamlFile } from '../config/yaml-file.ts';
import { bodyProblem, bodyStrings } from './body.ts';
import { compilePattern } from './pattern.ts';
import { INCIDENT_FIELDS, PLACEHOLDER, runbookSchema, type RunbookSpec, type StepSpec } from './schema.ts';

/** A runbook that loaded: its spec, where it came from, and what a run records as its version. */
export interface Runbook {
  spec: RunbookSpec;
  file: string;
  /** The first 12 hex digits of the file's sha256: a run names exactly what it ran. */
  sha: string;
  /** exec steps' programs, resolved to absolute paths at load (index → path). */
  programs: Map<number, string>;
  /** exec steps' working directories, absolute (index → path). */
  cwds: Map<number, string>;
}

export interface RunbookSet {
  dir: string;
  runbooks: Map<string, Runbook>;
  /** One line per problem, naming the file and line; those files are left out, the rest load. */
  problems: string[];
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** Programs are found when the runbook loads (not at run time), in the bot's PATH unless given as a path. */
function findProgram(program: string, dir: string, pathVar: string): string | undefined {
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(dir, program);
    return isExecutable(full) ? full : undefined;
  }
  return pathVar
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, program))
    .find(isExecutable);
}

/** Every string in a step that may hold placeholders, with its YAML path and whether env.* may appear. */
function stepStrings(step: StepSpec): { path: (string | number)[]; text: string; env: string[] | null }[] {
  if ('exec' in step) return step.exec.args.map((text, i) => ({ path: ['exec', 'args', i], text, env: null }));
  if ('http' in step) {
    const env = step.http.env;
    return [
      { path: ['http', 'url'], text: step.http.url, env },
      ...Object.entries(step.http.headers).map(([k, text]) => ({ path: ['http', 'headers', k], text, env })),
      ...(step.http.body === undefined
        ? []
        : bodyStrings(step.http.body).map((b) => ({ path: ['http', 'body', ...b.path], text: b.text, env }))),
    ];
  }
  if ('slack' in step) return [{ path: ['slack', 'text'], text: step.slack.text, env: null }];
  return 'note' in step.pagerduty ? [{ path: ['pagerduty', 'note'], text: step.pagerduty.note, env: null }] : [];
}

/**
 * The placeholder that decides where an http step's URL goes (the whole URL, or a part of its host,
 * port or user info), if one does; `env.*` values are the operator's own and do not count.
 */
function hostChooser(url: string): string | null {
  // Without a written scheme the URL starts with a placeholder: what comes before the first / ? #.
  const authority = /^https?:\/\/([^/?#]*)/.exec(url)?.[1] ?? /^[^/?#]*/.exec(url)![0];
  for (const [, ref] of authority.matchAll(PLACEHOLDER)) if (!ref!.startsWith('env.')) return ref!;
  return null;
}

function checkSpec(
  spec: RunbookSpec,
  where: (path: (string | number)[]) => string,
  dir: string,
  pathVar: string,
): { problems: string[]; programs: Map<number, string>; cwds: Map<number, string> } {
  const problems: string[] = [];
  const programs = new Map<number, string>();
  const cwds = new Map<number, string>();
  for (const [name, p] of Object.entries(spec.params)) {
    const at = where(['params', name]);
    if (p.type === 'string' && p.pattern !== undefined) {
      const { pattern, problem } = compilePattern(p.pattern, p.max_length);
      if (!pattern)
        problems.push(`${where(['params', name, 'pattern'])}: params.${name}.pattern is refused: ${problem}`);
      else if (p.default !== undefined && !pattern.matches(p.default))
        problems.push(`${at}: params.${name}.default does not match its pattern`);
    }
    if (p.type === 'enum' && p.default !== undefined && !p.values.includes(p.default))
      problems.push(`${at}: params.${name}.default is not one of its values`);
    if (
      p.type === 'integer' &&
      p.default !== undefined &&
      ((p.min !== undefined && p.default < p.min) || (p.max !== undefined && p.default > p.max))
    ) {
      problems.push(`${at}: params.${name}.default is outside min..max`);
    }
  }
  spec.steps.forEach((step, i) => {
    for (const s of stepStrings(step)) {
      for (const [, ref] of s.text.matchAll(PLACEHOLDER)) {
        const known = ref!.startsWith('env.')
          ? s.env?.includes(ref!.slice(4))
          : ref!.startsWith('incident.')
            ? (INCIDENT_FIELDS as readonly string[]).includes(ref!)
            : Object.hasOwn(spec.params, ref!);
        if (!known) {
          const why = ref!.startsWith('env.')
            ? s.env
              ? `list ${ref!.slice(4)} under this step's env to use it`
              : 'only http steps may use env.* (exec steps get env through their env list)'
            : 'no such parameter';
          problems.push(`${where(['steps', i, ...s.path])}: {{${ref}}} — ${why}`);
        }
      }
    }
    if ('exec' in step) {
      const found = findProgram(step.exec.program, dir, pathVar);
      if (found) programs.set(i, found);
      else
        problems.push(
          `${where(['steps', i, 'exec', 'program'])}: program ${step.exec.program} is not found or not executable`,
        );
      const cwd = resolve(dir, step.exec.cwd);
      try {
        if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
        cwds.set(i, cwd);
      } catch {
        problems.push(`${where(['steps', i, 'exec', 'cwd'])}: working directory ${cwd} does not exist`);
      }
      if (PLACEHOLDER.test(step.exec.program))
        problems.push(`${where(['steps', i, 'exec', 'program'])}: the program cannot come from a parameter`);
      PLACEHOLDER.lastIndex = 0;
    }
    // A URL may come whole from a placeholder (checked when the run is planned); otherwise it must be http(s) as written.
    if ('http' in step && !/^(https?:\/\/|\{\{)/.test(step.http.url))
      problems.push(`${where(['steps', i, 'http', 'url'])}: url must start with http:// or https://`);
    if ('http' in step && step.http.env.length > 0) {
      const chooser = hostChooser(step.http.url);
      if (chooser) {
        const sent = step.http.env.map((n) => `env.${n}`).join(', ');
        problems.push(
          `${where(['steps', i, 'http', 'url'])}: this step sends ${sent}, so its host must be written in the runbook: a host from {{${chooser}}} would send it wherever the person running it says`,
        );
      }
    }
    if ('http' in step && step.http.body !== undefined) {
      const problem = bodyProblem(step.http.body);
      if (problem) problems.push(`${where(['steps', i, 'http', 'body'])}: ${problem}`);
      for (const key of bodyStrings(step.http.body).filter((b) => b.isKey && b.text.search(PLACEHOLDER) >= 0)) {
        problems.push(
          `${where(['steps', i, 'http', 'body', ...key.path])}: a body key cannot hold a placeholder (values go in values)`,
        );
      }
    }
  });
  return { problems, programs, cwds };
}

/**
 * Loads every `*.yaml`/`*.yml` in `dir`. A broken file is reported (file:line: what) and left out;
 * it never stops the others. A missing directory is no runbooks, not an error.
 */
export function loadRunbooks(dir: string, pathVar = process.env.PATH ?? ''): RunbookSet {
  const set: RunbookSet = { dir, runbooks: new Map(), problems: [] };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      set.problems.push(`${dir}: cannot be read (${(error as Error).message})`);
    return set;
  }
  for (const f of files) {
    const file = join(dir, f);
    const text = readFileSync(file, 'utf8');
    const parsed = parseYamlFile(runbookSchema, text, f, 'is not a runbook key');
    if (!parsed.value) {
      set.problems.push(...parsed.problems);
      continue;
    }
    const spec = parsed.value;
    const where = (path: (string | number)[]) => {
      const line = parsed.lineOf(path);
      return `${f}${line ? `:${line}` : ''}`;
    };
    const checked = checkSpec(spec, where, dir, pathVar);
    if (set.runbooks.has(spec.name))
      checked.problems.push(
        `${where(['name'])}: name ${spec.name} is already used by ${set.runbooks.get(spec.name)!.file.split('/').pop()}`,
      );
    if (checked.problems.length > 0) {
      set.problems.push(...checked.problems);
      continue;
    }
    const sha = createHash('sha256').update(text).digest('hex').slice(0, 12);
    set.runbooks.set(spec.name, { spec, file, sha, programs: checked.programs, cwds: checked.cwds });
  }
  return set;
}
