import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LINE = `${'y'.repeat(299)}\n`;
const LINES = 1_000; // 300 kB on each stream: more than a pipe holds

/** A process that writes LINES lines to stdout and to stderr, then ends through exitOnceWritten(7, opts). */
function writer(opts: string) {
  const script = [
    "import { exitOnceWritten } from './src/lib/exit-once-written.ts';",
    `for (let i = 0; i < ${LINES}; i++) { process.stdout.write(${JSON.stringify(LINE)}); process.stderr.write(${JSON.stringify(LINE)}); }`,
    `exitOnceWritten(7, ${opts});`,
  ].join('\n');
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Its exit code, once it has exited and both its pipes have closed; heard from the moment it is spawned. */
const closed = (proc: ReturnType<typeof writer>) =>
  new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  'exitOnceWritten: the process ends once its output is written, with its own exit code',
  { timeout: 60_000 },
  () => {
    it('hands every byte to readers slower than it', async () => {
      const proc = writer('{}');
      proc.stdout.pause();
      proc.stderr.pause();
      const code = closed(proc);
      await later(1_500);
      let out = 0;
      let err = 0;
      proc.stdout.on('data', (d: Buffer) => (out += d.length));
      proc.stderr.on('data', (d: Buffer) => (err += d.length));
      // a stream paused by hand stays paused when a 'data' listener comes
      proc.stdout.resume();
      proc.stderr.resume();
      expect(await code).toBe(7);
      expect([out, err]).toEqual([LINES * LINE.length, LINES * LINE.length]);
    });

    it('keeps its exit code and the rest of stderr when the reader of stdout goes away', async () => {
      const proc = writer('{}');
      proc.stderr.pause();
      proc.stdout.once('data', () => proc.stdout.destroy());
      const code = closed(proc);
      await later(1_500);
      let err = 0;
      proc.stderr.on('data', (d: Buffer) => (err += d.length));
      proc.stderr.resume();
      expect(await code).toBe(7);
      expect(err).toBe(LINES * LINE.length);
    });

    it('gives up after giveUpAfterMs when nobody reads, and still exits with its code', async () => {
      const proc = writer('{ giveUpAfterMs: 300 }');
      proc.stdout.pause();
      proc.stderr.pause();
      const code = await Promise.race([
        new Promise<number | null>((resolve) => proc.on('exit', resolve)),
        later(20_000).then(() => 'still running'),
      ]);
      proc.kill('SIGKILL');
      expect(code).toBe(7);
    });
  },
);
