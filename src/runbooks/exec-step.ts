import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
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
 * Why a program could not be started, by errno: the machine running out of something is a failed
 * step that says what ran out, never a crash of the bot.
 */
const SPAWN_FAILURE: Record<string, string> = {
  ENOENT: 'no such program',
  EACCES: 'not allowed to run it',
  EMFILE: 'the bot has too many open files (file descriptors)',
  ENFILE: 'the system has too many open files',
  EAGAIN: 'the process table is full (too many processes)',
  ENOMEM: 'not enough memory to start it',
};

export type Spawn = typeof nodeSpawn;

function cannotStart(program: string, error: Error): string {
  const code = (error as { code?: unknown }).code;
  const why = typeof code === 'string' && Object.hasOwn(SPAWN_FAILURE, code) ? `: ${SPAWN_FAILURE[code]}` : '';
  return `\n[could not start ${program}: ${error.message}${why}]\n`;
}

/**
 * Runs a program with its argument list — never through a shell — in its own process group, so a
 * timeout or a kill reaches whatever it started. stdin is closed; stdout and stderr are captured
 * together, within the output budget, and handed to `onOutput` as they come.
 */
export function runExec(
  step: Extract<PlannedStep, { kind: 'exec' }>,
  opts: {
    signal: AbortSignal;
    limitBytes: number;
    onOutput: (chunk: string) => void;
    now: () => number;
    /** Node's spawn unless given (a test starves it of file descriptors or processes this way). */
    spawn?: Spawn;
  },
): Promise<StepResult> {
  const started = opts.now();
  const out = new BoundedOutput(opts.limitBytes);
  return new Promise((resolve) => {
    let ending: StepStatus | null = null;
    let child: ChildProcess;
    try {
      child = (opts.spawn ?? nodeSpawn)(step.program, step.argv, {
        cwd: step.cwd,
        env: step.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        shell: false,
      });
    } catch (error) {
      // Node throws (rather than emitting 'error') for some errnos, e.g. ENOMEM.
      out.append(cannotStart(step.program, error as Error));
      return resolve({
        status: 'failed',
        exitCode: null,
        output: out.toString(),
        truncated: out.truncated,
        durationMs: opts.now() - started,
      });
    }
    // Listened to first: out of file descriptors, a child has no pipes and its 'error' comes next tick.
    child.on('error', (error) => finish(null, error));
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
    const streams = [child.stdout, child.stderr].flatMap((stream) => {
      if (!stream) return [];
      const decoder = new StringDecoder('utf8');
      const masker = new SecretMasker(step.secrets);
      stream.on('data', (chunk: Buffer) => show(masker.push(decoder.write(chunk))));
      return () => show(masker.push(decoder.end()) + masker.end());
    });
    let finished = false;
    function finish(exitCode: number | null, error?: Error) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      for (const flush of streams) flush();
      if (error) out.append(cannotStart(step.program, error));
      const status: StepStatus = ending ?? (exitCode === 0 ? 'succeeded' : 'failed');
      resolve({ status, exitCode, output: out.toString(), truncated: out.truncated, durationMs: opts.now() - started });
    }
    child.on('close', (code) => finish(code));
    if (opts.signal.aborted) onAbort();
  });
}
