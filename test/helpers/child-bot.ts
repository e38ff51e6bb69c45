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
 * A reader that starts on the message that its writer has exited, or `ms` after the first bytes
 * arrive, whichever comes first. Counted from the first bytes, not from its own start, so that a
 * writer slow to boot cannot find it already reading.
 */
const readLate = (ms: number) => `
  let timer;
  const firstBytes = () => (timer = setTimeout(start, ${ms}));
  // Once only: the message may come before the first bytes do, and a second disconnect() throws.
  const start = () => {
    clearTimeout(timer);
    process.stdin.off('readable', firstBytes);
    if (process.connected) process.disconnect();
    process.stdin.pipe(process.stdout);
  };
  process.stdin.once('readable', firstBytes);
  process.once('message', start);
`;

/**
 * Runs a CLI verb to completion and returns its exit code and output. With `slowReader`, its
 * stdout goes to a process that starts reading only once the CLI has exited, or `slowReader` ms
 * after its first output if it has not, as a pager or a busy pipeline would: a CLI that exits
 * without waiting for its reader loses, every time, whatever the pipe (64 kB) could not hold.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  { slowReader }: { slowReader?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const reader =
    slowReader === undefined
      ? undefined
      : spawn(process.execPath, ['-e', readLate(slowReader)], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', reader?.stdin ?? 'pipe', 'pipe'],
    });
    // The CLI holds its own copy of the pipe; the reader sees its end when the CLI exits.
    reader?.stdin?.destroy();
    const out = (reader ?? proc).stdout!;
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
    proc.on('exit', () => reader?.connected && reader.send('exited', () => undefined));
    // 'close', not 'exit': a process can exit before its pipes have handed over all it wrote.
    proc.on('close', (c) => {
      code = c;
      closed();
    });
    reader?.on('close', closed);
  });
}
