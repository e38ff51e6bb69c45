import { SECRET_NAME } from '../lib/logger.ts';
import { checkLiteralHost } from './address-guard.ts';
import { buildBody } from './body.ts';
import type { Runbook } from './load.ts';
import { mask } from './masking.ts';
import { checkIncidentValue, type ParamValues } from './params.ts';
import { buildUrl } from './url.ts';
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
    | {
        kind: 'exec';
        program: string;
        argv: string[];
        cwd: string;
        env: Record<string, string>;
        timeoutMs: number;
        secrets: Map<string, string>;
      }
    | {
        kind: 'http';
        method: string;
        url: string;
        headers: Record<string, string>;
        body?: string;
        expect: number[] | null;
        timeoutMs: number;
        secrets: Map<string, string>;
        /** The runbook said `allow_private: true`. */
        allowPrivate: boolean;
      }
    | { kind: 'slack'; text: string }
    | { kind: 'pagerduty'; incidentId: string | null; note?: string; escalate?: number }
  );

type Lookup = (ref: string) => string | number;

/** Replaces each placeholder with its value, as text (exec arguments, Slack text, notes, headers). */
const fill = (text: string, lookup: Lookup) => text.replace(PLACEHOLDER, (_m, ref: string) => String(lookup(ref)));

/**
 * Where each placeholder's value comes from. A value from the incident is checked as a parameter
 * is (when it is used, so a runbook that never names the title is not held up by it).
 */
function lookupFor(values: ParamValues, incident: IncidentFacts, env: Record<string, string | undefined>): Lookup {
  const facts = new Map<string, string>([
    ['incident.id', String(incident.id)],
    ['incident.title', incident.title],
    ['incident.severity', incident.severity],
    ['incident.channel', incident.channel ?? ''],
  ]);
  return (ref) => {
    if (ref.startsWith('env.')) return env[ref.slice(4)] ?? '';
    if (ref.startsWith('incident.')) return checkIncidentValue(ref, facts.get(ref) ?? '');
    return Object.hasOwn(values, ref) ? values[ref]! : '';
  };
}

function planHttp(
  step: Extract<StepSpec, { http: unknown }>['http'],
  lookup: Lookup,
  env: Record<string, string | undefined>,
  allowPrivate: boolean,
) {
  const url = buildUrl(step.url, (ref) => String(lookup(ref)));
  checkLiteralHost(new URL(url).hostname, allowPrivate);
  const secrets = new Map(step.env.flatMap((n) => (env[n] ? [[env[n]!, n] as [string, string]] : [])));
  const headers = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v, lookup)]));
  const body = step.body === undefined ? undefined : buildBody(step.body, lookup);
  if (body?.json && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  return {
    kind: 'http' as const,
    method: step.method,
    url,
    headers,
    body: body?.text,
    expect: step.expect_status === undefined ? null : [step.expect_status].flat(),
    timeoutMs: step.timeout_seconds * 1000,
    secrets,
    allowPrivate,
  };
}

/** Values of listed names that look like credentials (as the logger judges keys): masked in exec output. */
const execSecrets = (names: string[], env: Record<string, string | undefined>) =>
  new Map(names.flatMap((n) => (SECRET_NAME.test(n) && env[n] ? [[env[n]!, n] as [string, string]] : [])));

/**
 * Turns a runbook and checked values into exactly what will run: each exec argument is one argv
 * entry whatever the value holds (there is no shell to split or expand it), the environment holds
 * only the names the step lists, and programs were resolved when the runbook loaded.
 */
export function planRun(
  runbook: Runbook,
  values: ParamValues,
  incident: IncidentFacts,
  env: Record<string, string | undefined>,
): PlannedStep[] {
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
        secrets: execSecrets(step.exec.env, env),
        timeoutMs: step.exec.timeout_seconds * 1000,
      };
    }
    if ('http' in step) return { ...common, ...planHttp(step.http, lookup, env, runbook.spec.allow_private) };
    if ('slack' in step) return { ...common, kind: 'slack', text: fill(step.slack.text, lookup) };
    const pd = step.pagerduty;
    return {
      ...common,
      kind: 'pagerduty',
      incidentId: incident.pagerdutyId,
      ...('note' in pd ? { note: fill(pd.note, lookup) } : { escalate: pd.escalate }),
    };
  });
}

/** Hides secret values (env.* in http steps) wherever a plan is shown or logged. */
export { mask };

/** Exactly what a step will do, as text for a dry run (secrets masked). */
export function describeStep(s: PlannedStep): string {
  switch (s.kind) {
    case 'exec':
      return `exec ${s.program} ${JSON.stringify(s.argv)}\n  in ${s.cwd}, env: ${Object.keys(s.env).join(', ') || '(empty)'}, timeout ${s.timeoutMs / 1000} s`;
    case 'http': {
      const headers = Object.entries(s.headers)
        .map(([k, v]) => `\n  ${k}: ${mask(v, s.secrets)}`)
        .join('');
      const body = s.body === undefined ? '' : `\n  body: ${mask(s.body, s.secrets).slice(0, 500)}`;
      return `http ${s.method} ${mask(s.url, s.secrets)}${headers}${body}\n  expect ${s.expect?.join(' or ') ?? '2xx'}, timeout ${s.timeoutMs / 1000} s`;
    }
    case 'slack':
      return `slack: post ${JSON.stringify(s.text.slice(0, 300))}`;
    case 'pagerduty':
      return `pagerduty: ${s.note !== undefined ? `add note ${JSON.stringify(s.note.slice(0, 300))}` : `escalate to level ${s.escalate}`} on ${s.incidentId ?? '(no linked PagerDuty incident)'}`;
  }
}
