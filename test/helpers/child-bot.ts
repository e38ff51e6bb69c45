import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildBot {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `incident-bot start` as a real process, as an operator would, and waits until it is ready. */
export async function startChildBot(
  env: Record<string, string>,
  timeoutMs = 20_000,
  args = ['--import', 'tsx', 'src/main.ts', 'start'],
): Promise<ChildBot> {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = out.split('\n').find((l) => l.includes('"incident-bot ready"'));
    if (ready) {
      const port = (JSON.parse(ready) as { port: number }).port;
      return { proc, url: `http://127.0.0.1:${port}`, output: () => out, exited };
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`bot did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs a CLI verb to completion and returns its exit code and output. With `slowReader`, its
 * stdout goes to a process that starts reading only after `slowReader` ms, as a pager or a busy
 * pipeline would: the CLI then has more to write than the pipe holds (64 kB) when it finishes.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  { slowReader }: { slowReader?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const reader =
    slowReader === undefined
      ? undefined
      : spawn(process.execPath, ['-e', `setTimeout(() => process.stdin.pipe(process.stdout), ${slowReader})`], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', reader?.stdin ?? 'pipe', 'pipe'],
    });
    // The CLI holds its own copy of the pipe; the reader sees its end when the CLI exits.
    reader?.stdin.destroy();
    const out = reader?.stdout ?? proc.stdout!;
    let stdout = '';
    let stderr = '';
    // Decoded as one stream, so a character split across two chunks stays whole.
    out.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let code: number | null = null;
    let open = reader ? 2 : 1;
    const closed = () => {
      open -= 1;
      if (open === 0) resolve({ code, stdout, stderr });
    };
    // 'close', not 'exit': a process can exit before its pipes have handed over all it wrote.
    proc.on('close', (c) => {
      code = c;
      closed();
    });
    reader?.on('close', closed);
  });
}
