import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { logOutput, type OutputStream } from '../../src/lib/log-output.ts';

/**
 * The far end of the log: a reader that takes what it is given only when told to, as a log shipper
 * that has stalled would. `calls` lists each system call's worth of lines.
 */
function slowReader() {
  const calls: string[][] = [];
  const waiting: Array<() => void> = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      calls.push([chunk]);
      waiting.push(done);
    },
    writev(chunks, done) {
      calls.push(chunks.map((c) => c.chunk as string));
      waiting.push(done);
    },
  });
  const catchUp = async () => {
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  const lines = () => calls.flat().join('').split('\n').filter(Boolean);
  return { stream: stream as unknown as OutputStream, calls, catchUp, lines };
}

const turn = () => new Promise((r) => setImmediate(r));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `body` in a process of its own that logs through the bot's log output on stdout; what it printed. */
function inChild(body: string): Promise<{ code: number | null; stdout: string }> {
  const script = [
    "import { createLogger } from './src/lib/logger.ts';",
    "import { logOutput } from './src/lib/log-output.ts';",
    "import { exitOnceWritten } from './src/lib/exit-once-written.ts';",
    "const log = createLogger('info', logOutput());",
    body,
  ].join('\n');
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout })));
}
const messages = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('the log output', () => {
  it('hands the lines of one event-loop turn to the reader in one call, in order', async () => {
    const reader = slowReader();
    const log = createLogger('info', logOutput({ stream: reader.stream, onExit: () => undefined }));
    for (let i = 0; i < 50; i++) log.info({ i }, 'line');
    await turn();
    await reader.catchUp();
    expect(reader.calls).toHaveLength(1);
    expect(reader.lines().map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(50).keys()]);
  });

  it('drops and counts lines past the limit instead of holding them, and says how many once the reader catches up', async () => {
    const reader = slowReader();
    const output = logOutput({ stream: reader.stream, limit: 2_000, onExit: () => undefined });
    const log = createLogger('info', output);
    for (let i = 0; i < 100; i++) log.info({ i }, 'while the reader is stuck');
    await turn();
    const kept = reader.lines().length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(100);
    expect(output.dropped()).toBe(100 - kept);
    expect(reader.stream.writableLength).toBeLessThanOrEqual(2_000);

    await reader.catchUp();
    log.info('after it caught up');
    await turn();
    await reader.catchUp();
    const [told, after] = reader
      .lines()
      .slice(kept)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(told).toMatchObject({ level: 40, event: 'log.dropped', dropped: 100 - kept, service: 'incident-bot' });
    expect(told!.msg).toBe(
      `${100 - kept} log lines dropped: more than 2000 characters were waiting to be written, or a write failed`,
    );
    expect(after).toMatchObject({ msg: 'after it caught up' });
  });

  it('tells the drops once, not again with every later line', async () => {
    const reader = slowReader();
    const output = logOutput({ stream: reader.stream, limit: 500, onExit: () => undefined });
    const log = createLogger('info', output);
    for (let i = 0; i < 10; i++) log.info('x'.repeat(100));
    await turn();
    await reader.catchUp();
    for (let i = 0; i < 3; i++) log.info('later');
    await turn();
    await reader.catchUp();
    expect(reader.lines().filter((l) => l.includes('"log.dropped"'))).toHaveLength(1);
    expect(reader.lines().filter((l) => l.includes('"later"'))).toHaveLength(3);
  });

  it('keeps the bot running when the reader has gone away (EPIPE): later lines are dropped, nothing throws', async () => {
    const reader = slowReader();
    const output = logOutput({ stream: reader.stream, onExit: () => undefined });
    const log = createLogger('info', output);
    reader.stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(() => log.info('nobody reads this')).not.toThrow();
    expect(output.dropped()).toBe(1);
  });

  it('counts the lines of a write that failed (a full disk under a redirected stdout), and goes on writing', async () => {
    let failing = true;
    const written: string[] = [];
    // As Node's stdout on a file does (a synchronous write each time): a failed write fails alone, and
    // the stream takes the next one.
    const disk = {
      writableLength: 0,
      on: () => disk,
      write(chunk: string, done: (error?: Error) => void) {
        if (failing) done(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
        else {
          written.push(chunk);
          done();
        }
        return true;
      },
    } as unknown as OutputStream;
    const output = logOutput({ stream: disk, onExit: () => undefined });
    const log = createLogger('info', output);
    for (let i = 0; i < 3; i++) log.info('while the disk is full');
    await turn();
    expect(output.dropped()).toBe(3);

    failing = false;
    log.info('once there is room again');
    await turn();
    const lines = written
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ event: 'log.dropped', dropped: 3 }),
      expect.objectContaining({ msg: 'once there is room again' }),
    ]);
  });

  it('counts what the reader has not yet taken from earlier turns against the limit', async () => {
    const reader = slowReader();
    const output = logOutput({ stream: reader.stream, limit: 1_000, onExit: () => undefined });
    const log = createLogger('info', output);
    // Each turn alone is well under the limit; together they are not, while the reader takes nothing.
    for (let t = 0; t < 10; t++) {
      log.info('x'.repeat(100));
      await turn();
    }
    expect(output.dropped()).toBeGreaterThan(0);
    expect(reader.stream.writableLength).toBeLessThanOrEqual(1_000);
  });

  it('hands over the lines of the last turn when the process exits before that turn ends', () => {
    const reader = slowReader();
    let atExit = () => undefined as unknown;
    const log = createLogger('info', logOutput({ stream: reader.stream, onExit: (flush) => (atExit = flush) }));
    log.fatal('the last words of a crash');
    expect(reader.calls).toHaveLength(0);
    atExit();
    expect(reader.lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['the last words of a crash']);
  });

  it('hands over the last words of a process that crashes in the same turn', async () => {
    const { code, stdout } = await inChild("log.info('before'); log.fatal('the last words'); throw new Error('boom');");
    expect(code).toBe(1);
    expect(messages(stdout)).toEqual(['before', 'the last words']);
  }, 30_000);

  it('writes the lines of the turn a stopping bot exits in before it waits for its output', () => {
    // A busy bot (its reader behind) stops: its last turn logs and asks to exit, as main.ts does once
    // app.stop() has said "stopped". Lines handed over after the wait began would be cut off by the exit.
    const dir = mkdtempSync(join(tmpdir(), 'log-output-'));
    const child = join(dir, 'stopping-bot.ts');
    writeFileSync(
      child,
      [
        `import { createLogger } from ${JSON.stringify(join(ROOT, 'src/lib/logger.ts'))};`,
        `import { logOutput } from ${JSON.stringify(join(ROOT, 'src/lib/log-output.ts'))};`,
        `import { exitOnceWritten } from ${JSON.stringify(join(ROOT, 'src/lib/exit-once-written.ts'))};`,
        "const log = createLogger('info', logOutput());",
        "const pad = 'x'.repeat(900);",
        'let i = 0;',
        'const busy = setInterval(() => {',
        "  for (let k = 0; k < 50; k++) log.info({ pad }, 'busy');",
        '  if ((i += 50) < 2_000) return;',
        '  clearInterval(busy);',
        '  new Promise((r) => setTimeout(r, 10))',
        "    .then(() => { for (let k = 0; k < 200; k++) log.info({ pad }, 'last turn'); log.info('stopped'); })",
        '    .then(() => exitOnceWritten(0));',
        '}, 1);',
      ].join('\n'),
    );
    try {
      // A reader that starts late, through a shell's pipe as an operator's would be (Node's own spawn
      // gives a socket pair, which takes the last turn at once); no one's input reaches the shell.
      const counted = execFileSync(
        'sh',
        ['-c', `"$0" --import tsx "$1" | (sleep 0.3; wc -l)`, process.execPath, child],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(Number(counted.trim())).toBe(2_201);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
