import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * Blocks until the connection thread has answered on `port`, or until `waitMs` has passed; undefined
 * when no answer came. The thread posts its answer, raises `flag`, then notifies: a notify can land
 * after the caller has seen the raised flag, taken the answer and lowered the flag for its next
 * request, and so wake that next wait with nothing to read. Only a raised flag means an answer is
 * there; a wake without one waits again for what is left of the time.
 */
export function awaitReply(flag: Int32Array, port: MessagePort, waitMs: number): unknown {
  const deadline = performance.now() + waitMs;
  while (Atomics.load(flag, 0) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    Atomics.wait(flag, 0, 0, left);
  }
  return receiveMessageOnPort(port)?.message;
}
