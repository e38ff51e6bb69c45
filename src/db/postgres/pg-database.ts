import type { Db } from '../sqlite-driver.ts';
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
 * The storage port (better-sqlite3's synchronous API, the part the project uses) over PostgreSQL.
 * Statements are the project's own, translated once per text by sql-dialect.ts.
 */
export class PgDatabase {
  readonly engine = 'postgres' as const;
  readonly name: string;
  open = true;
  private depth = 0;
  private readonly texts = new Map<string, PgStatementText>();
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
    this.client.call({ op: 'exec', text: sql });
    return this;
  }

  /** SQLite's pragmas tune a file PostgreSQL does not have: each is answered as a no-op. */
  pragma(): unknown[] {
    return [];
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): F {
    const run = (...args: Parameters<F>): ReturnType<F> => {
      const outer = this.depth === 0;
      const savepoint = `sp${this.depth}`;
      try {
        this.client.call({
          op: 'exec',
          text: outer ? `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})` : `SAVEPOINT ${savepoint}`,
        });
      } catch (error) {
        // The lock was not had (another replica held it past lock_timeout): the transaction began
        // and is aborted; end it, or every later statement of this connection is refused.
        if (outer) this.rollbackQuietly('ROLLBACK');
        throw error;
      }
      this.depth++;
      let result: ReturnType<F>;
      try {
        result = fn(...args) as ReturnType<F>;
      } catch (error) {
        this.depth--;
        this.rollbackQuietly(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
      this.depth--;
      this.client.call({ op: 'exec', text: outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}` });
      return result;
    };
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run }) as unknown as F;
  }

  private rollbackQuietly(text: string): void {
    try {
      this.client.call({ op: 'exec', text });
    } catch {
      // The connection is gone: PostgreSQL rolls the transaction back itself.
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.client.close();
  }

  /** Runs one statement and shapes nothing: the rows as arrays, with their column names. */
  query(text: PgStatementText, sql: string, params: Params): { fields: string[]; rows: unknown[][]; rowCount: number } {
    // As better-sqlite3 does: a closed handle refuses, it does not quietly connect again.
    if (!this.open) throw new PgError('The database connection is not open', 'PG_CLOSED');
    return this.client.call({ op: 'query', text: text.text, values: bind(text, sql, params) });
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
    const r = this.database.query(this.text, this.source, params);
    const id = r.fields.indexOf('id');
    const last = id >= 0 && r.rows.length > 0 ? Number(r.rows[r.rows.length - 1]![id]) : 0;
    return { changes: r.rowCount, lastInsertRowid: last };
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
