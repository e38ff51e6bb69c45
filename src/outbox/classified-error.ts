import type { Failure } from './worker.ts';

/**
 * An error an adapter has already judged (retry, wait, give up). Handlers that reach another service
 * through a port pass it on as it is, so they need not know that service's error shapes.
 */
export class ClassifiedError extends Error {
  constructor(
    readonly failure: Failure,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ClassifiedError';
  }
}
