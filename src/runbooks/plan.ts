import { ErrorCode, UserError } from '../errors.ts';
import type { Runbook } from './load.ts';
import type { ParamValues } from './params.ts';
import { PLACEHOLDER, stepName, type StepSpec } from './schema.ts';

export interface IncidentFacts {
  id: number;
  title: string;
  severity: string;
  channel: string | null;
  /** The PagerDuty incident it came from, if any. */
  pagerdutyId: string | null;
}

interface Common {
  index: number;
  name: string;
  confirm: boolean;
  dryRunSafe: boolean;
}
export type PlannedStep = Common &
  (
    | { kind: 'exec'; program: string; argv: string[]; cwd: string; env: Record<string, string>; timeoutMs: number }
    | { kind: 'http'; method: string; url: string; headers: Record<string, string>; body?: string; expect: number[] | null; timeoutMs: number; secrets: Map<string, string> }
    | { kind: 'slack'; text: string }
    | { kind: 'pagerduty'; incidentId: string | null; note?: string; escalate?: number }
  );

type Lookup = (ref: string) => string;

/** Replaces each placeholder with its value; `encode` applies to parameter values only. */
const fill = (text: string, lookup: Lookup, encode: (v: string) => string = (v) => v) =>
  text.replace(PLACEHOLDER, (_m, ref: string) => (ref.startsWith('env.') ? lookup(ref) : encode(lookup(ref))));

function lookupFor(values: ParamValues, incident: IncidentFacts, env: Record<string, string | undefined>): Lookup {
  const facts: Record<string, string> = { 'incident.id': String(incident.id), 'incident.title': incident.title, 'incident.severity': incident.severity, 'incident.channel': incident.channel ?? '' };
  return (ref) => {
    if (ref.startsWith('env.')) return env[ref.slice(4)] ?? '';
    if (ref.startsWith('incident.')) return facts[ref] ?? '';
    return String(values[ref] ?? '');
  };
}

function planHttp(step: Extract<StepSpec, { http: unknown }>['http'], lookup: Lookup, env: Record<string, string | undefined>) {
  const whole = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/.exec(step.url);
  // A URL that is one placeholder is taken whole (it must still be http(s)); a placeholder inside a
  // URL is one encoded component, so a value cannot add a path, a query or a host.
  const url = whole ? lookup(whole[1]!) : fill(step.url, lookup, encodeURIComponent);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(ErrorCode.BadArgument, `\`${url.slice(0, 200)}\` is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UserError(ErrorCode.BadArgument, 'Only http and https URLs can be called.');
  const secrets = new Map(step.env.flatMap((n) => (env[n] ? [[env[n]!, n] as [string, string]] : [])));
  return {
    kind: 'http' as const,
    method: step.method,
    url: parsed.href,
    headers: Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v, lookup)])),
    body: step.body === undefined ? undefined : fill(step.body, lookup),
    expect: step.expect_status === undefined ? null : [step.expect_status].flat(),
    timeoutMs: step.timeout_seconds * 1000,
    secrets,
  };
}

/**
 * Turns a runbook and checked values into exactly what will run: each exec argument is one argv
 * entry whatever the value holds (there is no shell to split or expand it), the environment holds
 * only the names the step lists, and programs were resolved when the runbook loaded.
 */
export function planRun(runbook: Runbook, values: ParamValues, incident: IncidentFacts, env: Record<string, string | undefined>): PlannedStep[] {
  const lookup = lookupFor(values, incident, env);
  return runbook.spec.steps.map((step, index) => {
    const common: Common = { index, name: stepName(step, index), confirm: step.confirm, dryRunSafe: step.dry_run_safe };
    if ('exec' in step) {
      const listed = step.exec.env.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n]!] as [string, string]]));
      return {
        ...common,
        kind: 'exec',
        program: runbook.programs.get(index)!,
        argv: step.exec.args.map((a) => fill(a, lookup)),
        cwd: runbook.cwds.get(index)!,
        env: Object.fromEntries(listed),
        timeoutMs: step.exec.timeout_seconds * 1000,
      };
    }
    if ('http' in step) return { ...common, ...planHttp(step.http, lookup, env) };
    if ('slack' in step) return { ...common, kind: 'slack', text: fill(step.slack.text, lookup) };
    const pd = step.pagerduty;
    return { ...common, kind: 'pagerduty', incidentId: incident.pagerdutyId, ...('note' in pd ? { note: fill(pd.note, lookup) } : { escalate: pd.escalate }) };
  });
}

/** Hides secret values (env.* in http steps) wherever a plan is shown or logged. */
export const mask = (text: string, secrets: Map<string, string>) => {
  let out = text;
  for (const [value, name] of secrets) out = out.split(value).join(`‹${name}›`);
  return out;
};

/** Exactly what a step will do, as text for a dry run (secrets masked). */
export function describeStep(s: PlannedStep): string {
  switch (s.kind) {
    case 'exec':
      return `exec ${s.program} ${JSON.stringify(s.argv)}\n  in ${s.cwd}, env: ${Object.keys(s.env).join(', ') || '(empty)'}, timeout ${s.timeoutMs / 1000} s`;
    case 'http': {
      const headers = Object.entries(s.headers).map(([k, v]) => `\n  ${k}: ${mask(v, s.secrets)}`).join('');
      const body = s.body === undefined ? '' : `\n  body: ${mask(s.body, s.secrets).slice(0, 500)}`;
      return `http ${s.method} ${mask(s.url, s.secrets)}${headers}${body}\n  expect ${s.expect?.join(' or ') ?? '2xx'}, timeout ${s.timeoutMs / 1000} s`;
    }
    case 'slack':
      return `slack: post ${JSON.stringify(s.text.slice(0, 300))}`;
    case 'pagerduty':
      return `pagerduty: ${s.note !== undefined ? `add note ${JSON.stringify(s.note.slice(0, 300))}` : `escalate to level ${s.escalate}`} on ${s.incidentId ?? '(no linked PagerDuty incident)'}`;
  }
}
