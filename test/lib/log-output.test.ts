import { Writable } from 'node:stream';
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
    expect(told!.msg).toBe(`${100 - kept} log lines dropped: their reader fell more than 2000 bytes behind`);
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

  it('survives a failed write (a full disk under a redirected stdout) and goes on writing', async () => {
    const reader = slowReader();
    const output = logOutput({ stream: reader.stream, onExit: () => undefined });
    const log = createLogger('info', output);
    reader.stream.emit('error', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    log.info('once there is room again');
    await turn();
    await reader.catchUp();
    expect(reader.lines()).toHaveLength(1);
    expect(output.dropped()).toBe(0);
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
});
