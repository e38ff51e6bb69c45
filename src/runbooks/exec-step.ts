import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { SecretMasker } from './masking.ts';
import { BoundedOutput } from './output.ts';
import type { PlannedStep } from './plan.ts';

export type StepStatus = 'succeeded' | 'failed' | 'timed_out' | 'killed';
export interface StepResult {
  status: StepStatus;
  exitCode: number | null;
  output: string;
  truncated: boolean;
  durationMs: number;
}

/** After SIGTERM a program gets this long to exit before SIGKILL. */
const KILL_GRACE_MS = 2000;

/**
 * Runs a program with its argument list — never through a shell — in its own process group, so a
 * timeout or a kill reaches whatever it started. stdin is closed; stdout and stderr are captured
 * together, within the output budget, and handed to `onOutput` as they come.
 */
export function runExec(
  step: Extract<PlannedStep, { kind: 'exec' }>,
  opts: { signal: AbortSignal; limitBytes: number; onOutput: (chunk: string) => void; now: () => number },
): Promise<StepResult> {
  const started = opts.now();
  const out = new BoundedOutput(opts.limitBytes);
  return new Promise((resolve) => {
    let ending: StepStatus | null = null;
    const child = spawn(step.program, step.argv, {
      cwd: step.cwd,
      env: step.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    const group = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const stop = (why: StepStatus) => {
      if (ending) return;
      ending = why;
      group('SIGTERM');
      setTimeout(() => group('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop('timed_out'), step.timeoutMs);
    const onAbort = () => stop('killed');
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const show = (text: string) => {
      if (!text) return;
      out.append(text);
      opts.onOutput(text);
    };
    // Each stream is decoded and masked on its own: a character or a secret split across two
    // chunks is held back until it is whole, whatever the other stream writes in between.
    const streams = [child.stdout, child.stderr].map((stream) => {
      const decoder = new StringDecoder('utf8');
      const masker = new SecretMasker(step.secrets);
      stream.on('data', (chunk: Buffer) => show(masker.push(decoder.write(chunk))));
      return () => show(masker.push(decoder.end()) + masker.end());
    });
    const finish = (exitCode: number | null, error?: Error) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      for (const flush of streams) flush();
      if (error) out.append(`\n[could not start ${step.program}: ${error.message}]\n`);
      const status: StepStatus = ending ?? (exitCode === 0 ? 'succeeded' : 'failed');
      resolve({ status, exitCode, output: out.toString(), truncated: out.truncated, durationMs: opts.now() - started });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code));
    if (opts.signal.aborted) onAbort();
  });
}
