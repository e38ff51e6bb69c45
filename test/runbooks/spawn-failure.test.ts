import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runExec, type Spawn } from '../../src/runbooks/exec-step.ts';
import type { PlannedStep } from '../../src/runbooks/plan.ts';

const step = (program: string): Extract<PlannedStep, { kind: 'exec' }> => ({
  index: 0,
  name: 'check',
  dryRunSafe: false,
  confirm: false,
  kind: 'exec',
  program,
  argv: [],
  cwd: tmpdir(),
  env: {},
  timeoutMs: 5000,
  secrets: new Map(),
});

const run = (program: string, spawn?: Spawn) =>
  runExec(step(program), {
    signal: new AbortController().signal,
    limitBytes: 64 * 1024,
    onOutput: () => {},
    now: Date.now,
    ...(spawn && { spawn }),
  });

const errno = (code: string) => Object.assign(new Error(`spawn ${code}`), { code, errno: -1, syscall: 'spawn' });

describe('a runbook step whose program cannot be started', () => {
  it('fails the step, saying the program does not exist (ENOENT)', async () => {
    const result = await run('/nonexistent/incident-bot-no-such-program');
    expect(result).toMatchObject({ status: 'failed', exitCode: null });
    expect(result.output).toContain('could not start /nonexistent/incident-bot-no-such-program');
    expect(result.output).toContain('no such program');
  });

  it('fails the step when the bot is out of file descriptors (EMFILE: no pipes, the error a tick later)', async () => {
    // What Node's spawn does on EMFILE: it returns a child without stdio streams and emits 'error' next tick.
    const spawn = (() => {
      const child = Object.assign(new EventEmitter(), { stdout: null, stderr: null, pid: undefined });
      process.nextTick(() => child.emit('error', errno('EMFILE')));
      return child;
    }) as unknown as Spawn;
    const result = await run('/bin/true', spawn);
    expect(result.status).toBe('failed');
    expect(result.output).toContain('the bot has too many open files');
  });

  it('fails the step when the process table is full or memory short (Node throws at once)', async () => {
    for (const [code, why] of [
      ['EAGAIN', 'the process table is full'],
      ['ENOMEM', 'not enough memory'],
    ]) {
      const spawn = (() => {
        throw errno(code!);
      }) as unknown as Spawn;
      const result = await run('/bin/true', spawn);
      expect(result.status).toBe('failed');
      expect(result.output).toContain(`could not start /bin/true: spawn ${code}: ${why}`);
    }
  });
});
