import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A server under load in its own process, so that the load generator does not share its event
 * loop (on a 2-core machine: client on one core, server on the other). The child prints one JSON
 * line when ready and stops on SIGTERM.
 */
export async function childServer<T>(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ info: T; stop: () => Promise<void> }> {
  const file = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  // BENCH_PROFILE=<dir>: each server writes a V8 CPU profile there when it stops (where the time goes).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const info = await new Promise<T>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as T);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    info,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
