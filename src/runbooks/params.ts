import { ErrorCode, UserError } from '../lib/errors.ts';
import { compilePattern } from './pattern.ts';
import type { ParamSpec, RunbookSpec } from './schema.ts';

export type ParamValues = Record<string, string | number>;

/**
 * Splits `key=value key="two words" --flag` into pairs and flags. Quotes only group; nothing is
 * interpreted (no escapes, no expansion): the value is exactly the characters between them.
 */
export function tokenize(text: string): { pairs: [string, string][]; flags: string[]; stray: string[] } {
  const pairs: [string, string][] = [];
  const flags: string[] = [];
  const stray: string[] = [];
  const token = /(--[a-z-]+)|([A-Za-z_][\w]*)=(?:"([^"]*)"|'([^']*)'|(\S*))|(\S+)/g;
  for (const m of text.matchAll(token)) {
    if (m[1]) flags.push(m[1]);
    else if (m[2]) pairs.push([m[2], m[3] ?? m[4] ?? m[5] ?? '']);
    else if (m[6]) stray.push(m[6]);
  }
  return { pairs, flags, stray };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
/** Half of a surrogate pair on its own: not text, and it cannot be encoded into a URL. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No value of any type is longer (a string parameter's own max_length is at most this too). */
const MAX_VALUE_CHARS = 4000;

/**
 * What a value taken from the incident (`{{incident.title}}` …) must satisfy: the rules of a plain
 * string parameter, so a title like `--version` is refused as a parameter would be.
 */
const INCIDENT_VALUE: ParamSpec = { type: 'string', max_length: 300, allow_leading_dash: false };

/** One value checked against its parameter's type; the message says what would be accepted. */
function checkValue(name: string, spec: ParamSpec, raw: string, label = `\`${name}\``): string | number {
  const bad = (why: string) => new UserError(ErrorCode.BadArgument, `${label} ${why}`);
  // First, before any pattern looks at it: every later check is then over a bounded value.
  if (raw.length > MAX_VALUE_CHARS)
    throw bad(`may be at most ${spec.type === 'string' ? spec.max_length : MAX_VALUE_CHARS} characters.`);
  if (CONTROL.test(raw)) throw bad('may not contain control characters (newlines, tabs, NUL).');
  if (LONE_SURROGATE.test(raw)) throw bad('is not valid text (a lone UTF-16 surrogate).');
  if (spec.type === 'enum') {
    if (!spec.values.includes(raw)) throw bad(`must be one of: ${spec.values.join(', ')}.`);
    return raw;
  }
  if (spec.type === 'integer') {
    if (!/^-?\d{1,15}$/.test(raw)) throw bad('must be a whole number.');
    const n = Number(raw);
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
      throw bad(`must be from ${spec.min ?? '−∞'} to ${spec.max ?? '∞'}.`);
    return n;
  }
  if (raw.length > spec.max_length) throw bad(`may be at most ${spec.max_length} characters.`);
  if (!spec.allow_leading_dash && raw.startsWith('-'))
    throw bad('may not start with "-" (a program could read it as an option).');
  if (spec.pattern !== undefined) {
    const { pattern, problem } = compilePattern(spec.pattern, spec.max_length);
    // The loader refuses a pattern that does not compile; this is only reached for a spec built elsewhere.
    if (!pattern) throw bad(`cannot be checked: its pattern is refused (${problem}).`);
    if (!pattern.matches(raw))
      throw bad(`must match \`${spec.pattern}\`${spec.description ? ` (${spec.description})` : ''}.`);
  }
  return raw;
}

/**
 * A value from the incident, checked as a string parameter would be, because it reaches the same
 * places (argv, URLs, bodies). The message says where the value came from.
 */
export function checkIncidentValue(ref: string, raw: string): string {
  const label = `The incident's ${ref.slice('incident.'.length)} (this runbook uses \`{{${ref}}}\`)`;
  return String(checkValue(ref, INCIDENT_VALUE, raw, label));
}

const isRequired = (spec: ParamSpec) => spec.default === undefined && spec.required !== false;

/**
 * Validates given values against a runbook's parameters and fills in defaults. Returns the values
 * and the names of required parameters nobody gave (the caller asks for them, e.g. in a form).
 */
export function checkParams(spec: RunbookSpec, given: [string, string][]): { values: ParamValues; missing: string[] } {
  const values: ParamValues = {};
  for (const [name, raw] of given) {
    const param = Object.hasOwn(spec.params, name) ? spec.params[name] : undefined;
    if (!param) {
      const known = Object.keys(spec.params);
      throw new UserError(
        ErrorCode.BadArgument,
        `\`${name.slice(0, 40)}\` is not a parameter of ${spec.name}.${known.length ? ` It takes: ${known.join(', ')}.` : ' It takes none.'}`,
      );
    }
    if (Object.hasOwn(values, name)) throw new UserError(ErrorCode.BadArgument, `\`${name}\` is given twice.`);
    values[name] = checkValue(name, param, raw);
  }
  const missing: string[] = [];
  for (const [name, param] of Object.entries(spec.params)) {
    if (Object.hasOwn(values, name)) continue;
    if (param.default !== undefined) values[name] = param.default;
    else if (isRequired(param)) missing.push(name);
    else values[name] = '';
  }
  return { values, missing };
}

/** How a parameter reads in `/incident runbook list` and in the form. */
export function describeParam(name: string, p: ParamSpec): string {
  const type =
    p.type === 'enum'
      ? p.values.join('|')
      : p.type === 'integer'
        ? `integer${p.min !== undefined || p.max !== undefined ? ` ${p.min ?? ''}..${p.max ?? ''}` : ''}`
        : p.pattern
          ? `text matching ${p.pattern}`
          : 'text';
  const tail = p.default !== undefined ? ` (default ${p.default})` : isRequired(p) ? ' (required)' : '';
  return `${name}=<${type}>${tail}`;
}

/** The problem with one value, or null: lets a form show each message under its own field. */
export function paramProblem(spec: RunbookSpec, name: string, raw: string): string | null {
  const param = Object.hasOwn(spec.params, name) ? spec.params[name] : undefined;
  if (!param) return 'not a parameter';
  try {
    checkValue(name, param, raw);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
