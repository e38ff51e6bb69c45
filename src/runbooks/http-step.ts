import type { StepResult } from './exec-step.ts';
import { BoundedOutput } from './output.ts';
import { mask, type PlannedStep } from './plan.ts';

/**
 * One HTTP request. Redirects are not followed (a runbook names where it calls); the status line and
 * the body (within the output budget) are the output, with any listed secret masked.
 */
export async function runHttp(
  step: Extract<PlannedStep, { kind: 'http' }>,
  opts: { signal: AbortSignal; limitBytes: number; onOutput: (chunk: string) => void; now: () => number },
): Promise<StepResult> {
  const started = opts.now();
  const out = new BoundedOutput(opts.limitBytes);
  const emit = (text: string) => {
    const safe = mask(text, step.secrets);
    out.append(safe);
    opts.onOutput(safe);
  };
  const timeout = AbortSignal.timeout(step.timeoutMs);
  try {
    const res = await fetch(step.url, { method: step.method, headers: step.headers, body: step.body, redirect: 'manual', signal: AbortSignal.any([opts.signal, timeout]) });
    emit(`HTTP ${res.status} ${res.statusText}\n`);
    if (res.body) {
      const decoder = new TextDecoder();
      for await (const chunk of res.body) emit(decoder.decode(chunk as Uint8Array, { stream: true }));
    }
    const ok = step.expect ? step.expect.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) emit(`\n[expected ${step.expect?.join(' or ') ?? '2xx'}, got ${res.status}]\n`);
    return { status: ok ? 'succeeded' : 'failed', exitCode: res.status, output: out.toString(), truncated: out.truncated, durationMs: opts.now() - started };
  } catch (error) {
    const status = opts.signal.aborted ? 'killed' : timeout.aborted ? 'timed_out' : 'failed';
    emit(`\n[${status === 'failed' ? `request failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}` : status.replace('_', ' ')}]\n`);
    return { status, exitCode: null, output: out.toString(), truncated: out.truncated, durationMs: opts.now() - started };
  }
}
