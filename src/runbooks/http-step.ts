import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isUserError } from '../lib/errors.ts';
import { resolveChecked, systemLookup, type CheckedAddress, type Lookup } from './address-guard.ts';
import type { StepResult } from './exec-step.ts';
import { SecretMasker } from './masking.ts';
import { BoundedOutput } from './output.ts';
import type { PlannedStep } from './plan.ts';

/** A connection's lookup that answers only with the addresses already checked: no second DNS answer. */
function pinned(addresses: CheckedAddress[]): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) (callback as (e: null, a: CheckedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

function send(
  step: Extract<PlannedStep, { kind: 'http' }>,
  addresses: CheckedAddress[],
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const url = new URL(step.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // No agent: each step is one fresh connection to the address that was checked.
    const req = request(
      url,
      { method: step.method, headers: step.headers, signal, lookup: pinned(addresses), agent: false },
      resolve,
    );
    req.on('error', reject);
    req.end(step.body);
  });
}

/**
 * One HTTP request. The host's addresses are resolved and checked first (loopback, link-local and
 * private ones are refused unless the runbook allows them) and the connection goes to exactly those.
 * Redirects are not followed (a runbook names where it calls); the status line and the body (within
 * the output budget) are the output, with any listed secret masked over the whole stream.
 */
export async function runHttp(
  step: Extract<PlannedStep, { kind: 'http' }>,
  opts: {
    signal: AbortSignal;
    limitBytes: number;
    onOutput: (chunk: string) => void;
    now: () => number;
    lookup?: Lookup;
  },
): Promise<StepResult> {
  const started = opts.now();
  const out = new BoundedOutput(opts.limitBytes);
  const masker = new SecretMasker(step.secrets);
  const show = (safe: string) => {
    if (!safe) return;
    out.append(safe);
    opts.onOutput(safe);
  };
  const emit = (text: string) => show(masker.push(text));
  const result = (status: StepResult['status'], exitCode: number | null): StepResult => {
    show(masker.end());
    return { status, exitCode, output: out.toString(), truncated: out.truncated, durationMs: opts.now() - started };
  };
  const timeout = AbortSignal.timeout(step.timeoutMs);
  const signal = AbortSignal.any([opts.signal, timeout]);
  let addresses: CheckedAddress[];
  try {
    addresses = await resolveChecked(new URL(step.url).hostname, step.allowPrivate, opts.lookup ?? systemLookup);
  } catch (error) {
    emit(
      isUserError(error)
        ? `[refused: ${error.message}]\n`
        : `[request failed: cannot resolve ${new URL(step.url).hostname} (${(error as Error).message})]\n`,
    );
    return result('failed', null);
  }
  try {
    const res = await send(step, addresses, signal);
    emit(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}\n`);
    const decoder = new TextDecoder();
    for await (const chunk of res) emit(decoder.decode(chunk as Buffer, { stream: true }));
    emit(decoder.decode());
    const status = res.statusCode ?? 0;
    const ok = step.expect ? step.expect.includes(status) : status >= 200 && status < 300;
    if (!ok) emit(`\n[expected ${step.expect?.join(' or ') ?? '2xx'}, got ${status}]\n`);
    return result(ok ? 'succeeded' : 'failed', status);
  } catch (error) {
    const status = opts.signal.aborted ? 'killed' : timeout.aborted ? 'timed_out' : 'failed';
    emit(`\n[${status === 'failed' ? `request failed: ${(error as Error).message}` : status.replace('_', ' ')}]\n`);
    return result(status, null);
  }
}
