import { ErrorCode, UserError } from '../lib/errors.ts';

/** What is wrong with the database's storage, in words an operator and a responder understand. */
export type StorageProblem = 'full' | 'io' | 'busy' | 'readonly' | 'unreachable';

/**
 * SQLite's result codes (primary code first: extended codes such as `SQLITE_IOERR_WRITE` or
 * `SQLITE_BUSY_SNAPSHOT` belong to their primary) that mean the storage failed, not the request.
 */
const PROBLEM_BY_CODE: Record<string, StorageProblem> = {
  SQLITE_FULL: 'full',
  SQLITE_IOERR: 'io',
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_READONLY: 'readonly',
  // PostgreSQL's SQLSTATEs (and the adapter's own codes for a server it cannot reach).
  '53100': 'full',
  '58030': 'io',
  '40001': 'busy',
  '40P01': 'busy',
  '55P03': 'busy',
  '53300': 'busy',
  // A failover can leave the connection on a standby that now refuses writes.
  '25006': 'readonly',
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57P03': 'unreachable',
  PG_CONNECTION: 'unreachable',
  PG_TIMEOUT: 'unreachable',
};

/** How each problem is named to a person, after "storage is" / "database:". */
export const PROBLEM_TEXT: Record<StorageProblem, string> = {
  full: 'full',
  io: 'failing (I/O error)',
  busy: 'locked by another process',
  readonly: 'read-only',
  unreachable: 'unreachable (the database server does not answer)',
};

/**
 * A change that could not be recorded because the storage failed: the transaction rolled back, so
 * nothing was changed. A user error in the sense that the person is told (ephemerally, or with a
 * 503 a sender retries) rather than shown a bug; trying again once there is room works.
 */
export class StorageUnavailableError extends UserError {
  constructor(
    readonly problem: StorageProblem,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.StorageUnavailable,
      `Could not record this: storage is ${PROBLEM_TEXT[problem]}; nothing was changed. Try again in a few minutes.`,
      options,
    );
  }
}

function primaryCode(code: string): string {
  const match = /^SQLITE_[A-Z]+/.exec(code);
  if (match) return match[0];
  // PostgreSQL's class 08 is every way a connection fails.
  return /^08[0-9A-Z]{3}$/.test(code) ? 'PG_CONNECTION' : code;
}

/** The storage problem behind an error, if it is one (a driver error by its code, or one already classified). */
export function storageProblem(error: unknown): StorageProblem | undefined {
  if (error instanceof StorageUnavailableError) return error.problem;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  return Object.hasOwn(PROBLEM_BY_CODE, primaryCode(code)) ? PROBLEM_BY_CODE[primaryCode(code)] : undefined;
}

/** The error as a coded StorageUnavailableError when the storage failed; undefined for any other error. */
export function asStorageError(error: unknown): StorageUnavailableError | undefined {
  if (error instanceof StorageUnavailableError) return error;
  const problem = storageProblem(error);
  return problem ? new StorageUnavailableError(problem, { cause: error }) : undefined;
}

/**
 * A write refused because the row `column` of `table` names does not exist (SQLite's and PostgreSQL's
 * foreign-key violation). Lets a change skip reading a row only to learn that it is there. PostgreSQL
 * names the constraint (its default name for the column's reference), so a violation of another key
 * in the same batch of writes is not mistaken for this one; SQLite does not, and the caller must
 * only ask about a statement whose one reference is that column.
 */
export function isMissingReference(error: unknown, table: string, column: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return true;
  return e?.code === '23503' && e.constraint === `${table}_${column}_fkey`;
}
