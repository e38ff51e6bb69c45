import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How long a child may take to say it is ready, and to stop once asked. */
const READY_MS = 120_000;
const STOP_MS = 30_000;

/** The children running now, so that a signal to the run stops them too instead of orphaning them. */
const running = new Set<() => Promise<void>>();
let interrupted = false;

/** Stops every child still running and starts no more (the run was interrupted). */
export async function stopChildServers(): Promise<void> {
  interrupted = true;
  await Promise.all([...running].map((stop) => stop()));
}

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
  if (interrupted) throw new Error(`the bench run is stopping: ${script} is not started`);
  const file = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  // BENCH_PROFILE=<dir>: each server writes a V8 CPU profile there when it stops (where the time goes).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // Asked twice (the signal, then the suite's own `finally`), it is one stop: a second SIGTERM would
  // find the child's handler spent and kill it in the middle of its cleanup.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(killer);
      running.delete(stop);
    })());
  // Known from its start, not from when it is ready: a signal while it starts stops it too.
  running.add(stop);
  // Stops by itself: a child that never says it is ready, or never stops, is killed.
  let readyTimer: NodeJS.Timeout | undefined;
  const info = await new Promise<T>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as T);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    readyTimer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} was not ready within ${READY_MS / 1000} s`));
    }, READY_MS);
  })
    .catch(async (error: unknown) => {
      await stop();
      throw error;
    })
    .finally(() => clearTimeout(readyTimer));
  return { info, stop };
}
