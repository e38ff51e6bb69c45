import type { Db } from '../sqlite-driver.ts';
import { storageProblem } from '../storage-error.ts';
import type { PgResult, PgStep } from './pg-protocol.ts';
import { toPostgres, type PgStatementText } from './sql-dialect.ts';
import { PgError, SyncPgClient, type SyncPgOptions } from './sync-pg-client.ts';

/**
 * All of a replica's writes are serialised with the other replicas' by this transaction-scoped
 * advisory lock, as SQLite serialises writers with its own lock: a change reads and then writes
 * (an incident's state, the next outbox position), and must not interleave with another
 * replica's change of the same rows. Reads outside a transaction take no lock.
 */
export const WRITE_LOCK_KEY = 0x1bc1de47;

type Params = unknown[];

/**
 * What opens a change: BEGIN and the write lock. Not sent alone but with the change's first
 * statement, as its deferred writes are: one round trip fewer for every change, none for a change
 * that turns out to send nothing.
 */
const BEGIN: PgStep = { text: `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})` };

/** A write sent later, with the next statement that must see it; its answer once sent. */
interface Deferred {
  step: PgStep;
  result?: PgResult;
  /**
   * A SAVEPOINT or RELEASE: it fails when the connection or the whole transaction already has, or when
   * the server fails the request itself (a cancel, out of memory). A change undoing a failure of the
   * request that carries one relies on each savepoint's name being its own (see `savepoints`).
   */
  savepoint?: true;
}

/**
 * The storage port (better-sqlite3's synchronous API, the part the project uses) over PostgreSQL.
 * Statements are the project's own, translated once per text by sql-dialect.ts.
 */
export class PgDatabase {
  readonly engine = 'postgres' as const;
  readonly name: string;
  open = true;
  private depth = 0;
  /**
   * Savepoints named so far: each gets a name of its own. A RELEASE may wait unsent (see `transaction`),
   * and a change rolling back to a name it shared with an earlier change, not yet released, would undo
   * that one instead when its own SAVEPOINT was never run.
   */
  private savepoints = 0;
  private readonly texts = new Map<string, PgStatementText>();
  /**
   * A transaction's writes not sent yet. Every statement is a round trip that blocks the process
   * (sync-pg-client.ts), and most of a change's writes are INSERTs and UPDATEs whose answer nobody
   * reads: they wait here and go in one request with the next statement that must see them (a read,
   * an answer someone reads, COMMIT). A write that fails then fails that request; the transaction is
   * rolled back whole either way, as it is when the write fails at once. Outside a transaction every
   * statement is sent at once (each commits by itself).
   */
  private deferred: Deferred[] = [];
  /** A statement of the open transaction failed: PostgreSQL refuses the rest and would roll back at COMMIT. */
  private aborted = false;
  /** The failure that aborted it: what the rest of it is refused with (see `refusedAfterAbort`). */
  private abortedBy: unknown;
  readonly client: SyncPgClient;

  constructor(options: SyncPgOptions) {
    this.client = new SyncPgClient(options);
    this.name = redact(options.url);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): PgStatement {
    let text = this.texts.get(sql);
    if (!text) this.texts.set(sql, (text = toPostgres(sql)));
    return new PgStatement(this, sql, text);
  }

  /** Several statements at once, no parameters (a migration). */
  exec(sql: string): this {
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    this.send({ text: sql });
    return this;
  }

  /** SQLite's pragmas tune a file PostgreSQL does not have: each is answered as a no-op. */
  pragma(): unknown[] {
    return [];
  }

  /**
   * As better-sqlite3's: `fn` in a transaction, a nested one in a savepoint. Called plainly, BEGIN and
   * the write lock go with the change's first statement (as SQLite's default BEGIN DEFERRED takes its
   * lock at the first write); `.immediate` takes them before `fn` runs (as BEGIN IMMEDIATE), for a
   * caller that times the change and must not count the wait for another replica's lock.
   */
  transaction<F extends (...args: never[]) => unknown>(fn: F): F {
    const run = (eager: boolean, ...args: Parameters<F>): ReturnType<F> => {
      // As better-sqlite3 refuses at BEGIN: BEGIN here may not be sent before the change runs.
      if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
      const outer = this.depth === 0;
      const savepoint = outer ? '' : `sp${++this.savepoints}`;
      if (outer) this.aborted = false;
      // A nested change's SAVEPOINT, while it waits to go with the change's first statement.
      let opened: Deferred | undefined;
      if (outer && !eager) {
        // If the lock is not had (another replica held it past lock_timeout), the first statement
        // fails with it, and the change is rolled back below as for any failed statement.
        this.deferred = [{ step: BEGIN }];
      } else if (!outer && this.onlySavepointsDeferred()) {
        // Nothing waits that could fail, so a failure of the request that carries this SAVEPOINT is
        // this change's (or the connection's): it goes with the next statement instead of alone. With
        // a write or BEGIN waiting, it is sent now, so that their failure fails the enclosing change.
        opened = { step: { text: `SAVEPOINT ${savepoint}` }, savepoint: true };
        this.deferred.push(opened);
      } else {
        try {
          this.send(outer ? BEGIN : { text: `SAVEPOINT ${savepoint}` });
        } catch (error) {
          // The lock was not had: the transaction began and is aborted; end it, or every later
          // statement of this connection is refused. A nested one: a write deferred before the
          // savepoint failed, and the enclosing change fails with it.
          if (outer) this.rollbackQuietly('ROLLBACK');
          throw error;
        }
      }
      this.depth++;
      let result: ReturnType<F>;
      try {
        result = fn(...args) as ReturnType<F>;
        // A statement failed and the caller went on: PostgreSQL would answer this COMMIT with a quiet
        // ROLLBACK, and the change would look written. Say so, as SQLite's caller would have heard.
        if (outer && this.aborted) throw this.refusedAfterAbort();
        // A change that sent nothing and deferred nothing has nothing to commit.
        if (outer && this.unbegun() && this.deferred.length === 1) this.deferred = [];
        else if (outer) this.send({ text: 'COMMIT', commit: true });
        // Its writes all sent and answered, none failed: nothing can fail here, and RELEASE goes with the
        // next statement.
        else if (!this.aborted && this.onlySavepointsDeferred())
          this.deferred.push({ step: { text: `RELEASE SAVEPOINT ${savepoint}` }, savepoint: true });
        // Else RELEASE sends its writes now: a failure among them is this change's, and undoes it alone.
        else this.send({ text: `RELEASE SAVEPOINT ${savepoint}` });
      } catch (error) {
        // Nothing of the change reached PostgreSQL: there is nothing to roll back.
        const at = opened ? this.deferred.indexOf(opened) : -1;
        const unsent = outer ? this.unbegun() : at >= 0;
        // What was deferred since the savepoint (or BEGIN) is undone unsent; what waited before a
        // SAVEPOINT not sent yet (an earlier change's RELEASE) still goes.
        this.deferred = at > 0 ? this.deferred.slice(0, at) : [];
        this.depth--;
        // Back at a savepoint taken while the transaction was sound, it is sound again.
        if (!unsent && this.rollbackQuietly(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`) && !outer)
          this.aborted = false;
        throw error;
      }
      this.depth--;
      return result;
    };
    const later = (...args: Parameters<F>) => run(false, ...args);
    const now = (...args: Parameters<F>) => run(true, ...args);
    return Object.assign(later, { deferred: later, immediate: now, exclusive: now }) as unknown as F;
  }

  /** Whether all that waits to be sent (if anything) is SAVEPOINTs and RELEASEs. */
  private onlySavepointsDeferred(): boolean {
    return this.deferred.every((d) => d.savepoint);
  }

  /** The open change has sent nothing yet, not even its BEGIN. */
  private unbegun(): boolean {
    return this.deferred[0]?.step === BEGIN;
  }

  /** Whether the rollback was answered (else the connection is gone, and PostgreSQL rolled back itself). */
  private rollbackQuietly(text: string): boolean {
    // Closed: the connection is gone with its transaction; a call now would open a new one.
    if (!this.open) return false;
    try {
      this.client.call({ op: 'exec', text, inTx: true });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The error for a statement (or COMMIT) of an aborted transaction. A storage failure stays one (the
   * server unreachable, busy), so the caller refuses the change with it instead of reporting a bug.
   */
  private refusedAfterAbort(): PgError {
    const cause = this.abortedBy;
    if (cause instanceof PgError && storageProblem(cause)) return new PgError(cause.message, cause.code);
    return new PgError('The change failed and was rolled back: a statement in it failed', '25P02');
  }

  /**
   * Whether a request carrying `sent` continues a transaction already begun on the connection (then it
   * must not go on a new one: see `InTransaction`), rather than beginning one (BEGIN goes first).
   */
  private begunBefore(sent: Deferred[]): boolean {
    return this.depth > 0 && sent[0]?.step !== BEGIN;
  }

  /** Sends the deferred writes, then `step`, in one request; `step`'s answer. */
  private send(step: PgStep): PgResult {
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    // PostgreSQL refuses the rest of an aborted transaction; refused here as well, because after a lost
    // connection the client would send it on a new one, outside any transaction, each statement
    // committing by itself.
    if (this.depth > 0 && this.aborted) throw this.refusedAfterAbort();
    const sent = this.deferred;
    this.deferred = [];
    const inTx = this.begunBefore(sent);
    try {
      if (sent.length === 0) {
        return step.values
          ? this.client.call({ op: 'query', text: step.text, values: step.values, inTx })
          : this.client.call({ op: 'exec', text: step.text, inTx });
      }
      const reply = this.client.call({ op: 'batch', steps: [...sent.map((d) => d.step), step], inTx });
      sent.forEach((d, i) => (d.result = reply.results![i]));
      return reply.results![sent.length]!;
    } catch (error) {
      throw this.failed(error, sent);
    }
  }

  /** A write in a transaction, sent later (see `deferred`); its answer is fetched when it is read. */
  defer(text: PgStatementText, sql: string, params: Params): PgResult {
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    const d: Deferred = { step: { text: text.text, values: bind(text, sql, params) } };
    this.deferred.push(d);
    const answer = (): PgResult => {
      if (!d.result) this.flush(d);
      // Rolled back unsent (the answer was asked for after its transaction failed): it changed nothing.
      return d.result ?? { fields: [], rows: [], rowCount: 0 };
    };
    return {
      get fields() {
        return answer().fields;
      },
      get rows() {
        return answer().rows;
      },
      get rowCount() {
        return answer().rowCount;
      },
    };
  }

  /** Sends what is deferred, if `d` is still among it (else it was undone unsent), answering nothing else. */
  private flush(d: Deferred): void {
    if (!this.deferred.includes(d)) return;
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    if (this.depth > 0 && this.aborted) throw this.refusedAfterAbort();
    const sent = this.deferred;
    this.deferred = [];
    const inTx = this.begunBefore(sent);
    try {
      const reply = this.client.call({ op: 'batch', steps: sent.map((s) => s.step), inTx });
      sent.forEach((s, i) => (s.result = reply.results![i]));
    } catch (error) {
      throw this.failed(error, sent);
    }
  }

  /** A request failed: inside a transaction it is aborted now (see `aborted`), by the first failure. */
  private failed(error: unknown, sent: Deferred[]): unknown {
    const named = this.named(error, sent);
    if (this.depth > 0 && !this.aborted) {
      this.aborted = true;
      this.abortedBy = named;
    }
    return named;
  }

  /** A deferred write that failed is named, since its error surfaces at a later statement. */
  private named(error: unknown, sent: Deferred[]): unknown {
    const at = (error as PgError).at;
    // The BEGIN sent ahead of a statement failed (the write lock was not had): that is the error.
    if (!(error instanceof PgError) || at === undefined || at >= sent.length || sent[at]!.step === BEGIN) return error;
    const text = sent[at]!.step.text.replace(/\s+/g, ' ').slice(0, 200);
    return new PgError(
      `${error.message} (in a write sent later: ${text})`,
      error.code,
      error.detail,
      error.constraint,
      at,
    );
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    // Writes of a transaction never committed: nothing may send them on a later connection.
    this.deferred = [];
    this.client.close();
  }

  /** Runs one statement and shapes nothing: the rows as arrays, with their column names. */
  query(text: PgStatementText, sql: string, params: Params): PgResult {
    // As better-sqlite3 does: a closed handle refuses, it does not quietly connect again.
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    return this.send({ text: text.text, values: bind(text, sql, params) });
  }
}

export class PgStatement {
  private plucked = false;
  private rawRows = false;

  constructor(
    readonly database: PgDatabase,
    readonly source: string,
    private readonly text: PgStatementText,
  ) {}

  get reader(): boolean {
    return this.text.reader && !this.text.returnsInserted;
  }

  pluck(toggle = true): this {
    this.plucked = toggle;
    if (toggle) this.rawRows = false;
    return this;
  }

  raw(toggle = true): this {
    this.rawRows = toggle;
    if (toggle) this.plucked = false;
    return this;
  }

  run(...params: Params): { changes: number; lastInsertRowid: number } {
    const db = this.database;
    if (db.inTransaction && !this.reader) {
      // Deferred: its answer is asked of PostgreSQL only if somebody reads it.
      const r = db.defer(this.text, this.source, params);
      return {
        get changes() {
          return r.rowCount;
        },
        get lastInsertRowid() {
          return lastId(r);
        },
      };
    }
    const r = db.query(this.text, this.source, params);
    return { changes: r.rowCount, lastInsertRowid: lastId(r) };
  }

  get(...params: Params): unknown {
    return this.all(...params)[0];
  }

  all(...params: Params): unknown[] {
    const r = this.database.query(this.text, this.source, params);
    return r.rows.map((row) => this.shape(r.fields, row));
  }

  iterate(...params: Params): IterableIterator<unknown> {
    return this.all(...params)[Symbol.iterator]();
  }

  private shape(fields: string[], row: unknown[]): unknown {
    const values = row.map(fromWire);
    if (this.plucked) return values[0];
    if (this.rawRows) return values;
    const out: Record<string, unknown> = {};
    fields.forEach((f, i) => (out[f] = values[i]));
    return out;
  }
}

/** The id of the last row an INSERT … RETURNING * gave back, as better-sqlite3's lastInsertRowid. */
function lastId(r: PgResult): number {
  const id = r.fields.indexOf('id');
  return id >= 0 && r.rows.length > 0 ? Number(r.rows[r.rows.length - 1]![id]) : 0;
}

/** Bytes come back from the connection thread as a plain Uint8Array; SQLite gives a Buffer. */
function fromWire(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value;
}

/** The values for `$1…$n`, from better-sqlite3's calling conventions (spread, an array, or one object of names). */
function bind(text: PgStatementText, sql: string, params: Params): unknown[] {
  let values: unknown[];
  if (text.names) {
    const named = (params.length === 1 ? params[0] : undefined) as Record<string, unknown> | undefined;
    if (!named || typeof named !== 'object') throw new PgError(`Named parameters expected for: ${sql}`, 'PG_BIND');
    values = text.names.map((n) => {
      if (!(n in named)) throw new PgError(`Missing named parameter "${n}"`, 'PG_BIND');
      return named[n];
    });
  } else values = params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : params;
  if (values.length !== text.count) {
    throw new PgError(`Expected ${text.count} parameters, got ${values.length}: ${sql}`, 'PG_BIND');
  }
  return values.map((v) => {
    if (v === undefined) throw new PgError('undefined cannot be bound (use null)', 'PG_BIND');
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

/** The URL without its password, for logs and `doctor`. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparsable URL)';
  }
}

/** Opens the PostgreSQL database behind `url` with the storage port's interface. */
export function openPostgres(options: SyncPgOptions): Db {
  return new PgDatabase(options) as unknown as Db;
}
