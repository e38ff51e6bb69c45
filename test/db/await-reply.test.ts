import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitReply } from '../../src/db/postgres/await-reply.ts';

/**
 * A stand-in for the connection thread, doing what pg-worker.js does on the far side of the flag
 * (post the answer, raise the flag, notify), with the timing the test asks for:
 * - `stray`: first a notify that wakes the waiting caller with nothing posted, as the late notify of
 *   the previous answer does, then the answer after 20 ms;
 * - `early`: the answer posted and the flag raised before the caller starts to wait;
 * - a number: that number as the answer, at once;
 * - `never`: no answer.
 */
const THREAD = `
const { workerData } = require('node:worker_threads');
const { port, flag: buffer, idle } = workerData;
const flag = new Int32Array(buffer);
const sleep = (ms) => Atomics.wait(new Int32Array(idle), 0, 0, ms);
const answer = (body) => { port.postMessage({ ok: true, body }); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
port.on('message', (request) => {
  if (request === 'stray') {
    // Spins until the notify has woken the caller's wait (bounded, so a broken test cannot hang).
    const until = Date.now() + 5000;
    while (Atomics.notify(flag, 0, 1) === 0 && Date.now() < until);
    sleep(20);
    answer('after a stray wake');
  } else if (request === 'early') {
    answer('before the wait');
  } else if (typeof request === 'number') {
    answer(request);
  }
});
`;

interface Thread {
  port: MessagePort;
  flag: Int32Array;
  idle: Int32Array;
  worker: Worker;
}

const threads: Thread[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
});

async function startThread(): Promise<Thread> {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const idle = new SharedArrayBuffer(4);
  const worker = new Worker(THREAD, { eval: true, workerData: { port: port2, flag, idle }, transferList: [port2] });
  await new Promise((resolve) => worker.once('online', resolve));
  const thread = { port: port1, flag: new Int32Array(flag), idle: new Int32Array(idle), worker };
  threads.push(thread);
  return thread;
}

/** What the client does for each request: lower the flag, post, block for the answer. */
function call(thread: Thread, request: string | number, waitMs: number): unknown {
  Atomics.store(thread.flag, 0, 0);
  thread.port.postMessage(request);
  return awaitReply(thread.flag, thread.port, waitMs);
}

describe('waiting for the connection thread to answer', () => {
  it('a wake with no answer posted is not taken for one: it waits on and gets the answer', async () => {
    const thread = await startThread();
    expect(call(thread, 'stray', 5_000)).toEqual({ ok: true, body: 'after a stray wake' });
  });

  it('an answer raised before the wait began is read at once', async () => {
    const thread = await startThread();
    // The answer is in by the time the flag is looked at.
    Atomics.store(thread.flag, 0, 0);
    thread.port.postMessage('early');
    const until = performance.now() + 5_000;
    while (Atomics.load(thread.flag, 0) === 0 && performance.now() < until) Atomics.wait(thread.idle, 0, 0, 1);
    expect(awaitReply(thread.flag, thread.port, 5_000)).toEqual({ ok: true, body: 'before the wait' });
  });

  it('no answer at all is undefined once the whole wait has passed, not before', async () => {
    const thread = await startThread();
    const started = performance.now();
    expect(call(thread, 'never', 50)).toBeUndefined();
    // Wakes may split the wait, but together they last the time asked for.
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });

  it('answers are read one per request, in order, across many calls', async () => {
    const thread = await startThread();
    const answers = Array.from({ length: 200 }, (_, i) => call(thread, i, 5_000));
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => ({ ok: true, body: i })));
  });
});
