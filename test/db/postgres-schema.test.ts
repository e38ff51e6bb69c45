import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, PG_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

// The PostgreSQL schema must be SQLite's after every migration, column for column: the repositories'
// SQL runs unchanged on both engines. Each engine's catalogue is read into the same shape and compared.

type Family = 'integer' | 'real' | 'text' | 'blob' | 'numeric' | `unexpected ${string}`;

interface Column {
  name: string;
  family: Family;
  nullable: boolean;
  default: string | null;
}

interface Catalogue {
  tables: string[];
  columns: Record<string, Column[]>;
  primaryKeys: Record<string, string[]>;
  /** Columns the database numbers by itself when a row is inserted without one (`table.column`). */
  generatedIds: string[];
  /** `table(cols) -> parent(cols) on delete <action>` */
  foreignKeys: string[];
  /** Indexes created by name (CREATE [UNIQUE] INDEX), by name. */
  indexes: Record<string, { table: string; columns: string[]; unique: boolean; where: string | null }>;
  /** UNIQUE constraints declared in CREATE TABLE, as `table(cols)`. */
  uniqueConstraints: string[];
  /** `table: trigger` */
  triggers: string[];
  /** Each table's CHECK constraints, as the sorted names and literals each one mentions. */
  checks: Record<string, string[]>;
}

/** SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1), in their order. */
function sqliteFamily(declared: string): Family {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t === '' || t.includes('BLOB')) return 'blob';
  if (/REAL|FLOA|DOUB/.test(t)) return 'real';
  return 'numeric';
}

/** How an index column that is an expression, not a column, appears in both catalogs. */
const EXPRESSION = '(expression)';

const PG_FAMILY: Record<string, Family> = {
  bigint: 'integer',
  'double precision': 'real',
  text: 'text',
  bytea: 'blob',
};

/** A predicate or default as both engines print it: PostgreSQL adds casts and parentheses. */
function normalise(sql: string | null): string | null {
  if (sql === null) return null;
  return sql
    .replace(/::[a-z_]+/g, '')
    .replace(/[()]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * What a CHECK mentions, whichever way the engine prints it: SQLite keeps `status IN ('a', 'b')` as written,
 * PostgreSQL prints `(status = ANY (ARRAY['a'::text, 'b'::text]))`.
 */
function checkTerms(expression: string): string {
  const noise = new Set(['check', 'in', 'any', 'array', 'text', 'bigint', '=', ':']);
  const terms = expression.toLowerCase().match(/'[^']*'|[a-z_][a-z0-9_]*|\d+|[<>=!]+/g) ?? [];
  return terms
    .filter((t) => !noise.has(t))
    .sort()
    .join(' ');
}

/** The CHECK (…) clauses of a CREATE TABLE statement as SQLite stores it (ALTER TABLE ADD COLUMN included). */
function sqliteChecks(createTable: string): string[] {
  const sql = createTable.replace(/--[^\n]*/g, '');
  const found: string[] = [];
  for (const m of sql.matchAll(/\bCHECK\s*\(/gi)) {
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < sql.length; end++) {
      if (sql[end] === "'") end = sql.indexOf("'", end + 1);
      else if (sql[end] === '(') depth++;
      else if (sql[end] === ')' && --depth === 0) break;
    }
    found.push(checkTerms(sql.slice(m.index, end + 1)));
  }
  return found.sort();
}

const PG_ON_DELETE: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function readSqlite(db: Db): Catalogue {
  const all = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[];
  const tableRows = all<{ name: string; sql: string }>(
    `SELECT name, sql FROM sqlite_master
     WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`,
  );
  const cat: Catalogue = {
    tables: tableRows.map((t) => t.name),
    columns: {},
    primaryKeys: {},
    generatedIds: [],
    foreignKeys: [],
    indexes: {},
    uniqueConstraints: [],
    triggers: [],
    checks: {},
  };
  for (const { name: table, sql } of tableRows) {
    cat.checks[table] = sqliteChecks(sql);
    const cols = all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
      'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid',
      table,
    );
    // A primary-key column never holds NULL: a rowid alias cannot, and PostgreSQL forbids it for every key
    // (SQLite would let a TEXT key of a rowid table hold NULL; nothing writes one).
    cat.columns[table] = cols.map((c) => ({
      name: c.name,
      family: sqliteFamily(c.type),
      nullable: c.notnull === 0 && c.pk === 0,
      default: normalise(c.dflt_value),
    }));
    const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    cat.primaryKeys[table] = pk.map((c) => c.name);
    const fks = all<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>(
      'SELECT id, seq, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
      table,
    );
    const byId = new Map<number, typeof fks>();
    for (const f of fks) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
    for (const group of byId.values()) {
      const f = group[0]!;
      cat.foreignKeys.push(
        `${table}(${group.map((g) => g.from).join(',')}) -> ${f.table}(${group.map((g) => g.to).join(',')})` +
          ` on delete ${f.on_delete}`,
      );
    }
    // SQLite numbers a rowid alias (an INTEGER PRIMARY KEY of a rowid table) by itself; a key that is also a
    // reference to another table's row is always given, so PostgreSQL keeps it a plain BIGINT key.
    const rowidAlias = pk.length === 1 && pk[0]!.type.toUpperCase() === 'INTEGER' && !/WITHOUT\s+ROWID/i.test(sql);
    if (rowidAlias && !fks.some((f) => f.from === pk[0]!.name)) cat.generatedIds.push(`${table}.${pk[0]!.name}`);

    const indexes = all<{ name: string; unique: number; origin: string }>(
      'SELECT name, "unique", origin FROM pragma_index_list(?)',
      table,
    );
    for (const ix of indexes) {
      // An indexed expression has no column name: both engines' catalogs name it EXPRESSION.
      const columns = all<{ name: string | null }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', ix.name).map(
        (c) => c.name ?? EXPRESSION,
      );
      if (ix.origin === 'u') cat.uniqueConstraints.push(`${table}(${columns.join(',')})`);
      if (ix.origin !== 'c') continue;
      const ddl = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(ix.name);
      const where = /\bWHERE\b([\s\S]*)$/i.exec(String(ddl))?.[1] ?? null;
      cat.indexes[ix.name] = { table, columns, unique: ix.unique === 1, where: normalise(where) };
    }
  }
  cat.triggers = all<{ t: string }>(
    "SELECT tbl_name || ': ' || name AS t FROM sqlite_master WHERE type = 'trigger' ORDER BY t",
  ).map((r) => r.t);
  cat.foreignKeys.sort();
  cat.uniqueConstraints.sort();
  cat.generatedIds.sort();
  return cat;
}

async function readPostgres(client: pg.Client, schema: string): Promise<Catalogue> {
  const q = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql, [schema])).rows;
  const tables = (
    await q<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    )
  )
    .map((r) => r.table_name)
    .sort();
  const cat: Catalogue = {
    tables,
    columns: {},
    primaryKeys: {},
    generatedIds: [],
    foreignKeys: [],
    indexes: {},
    uniqueConstraints: [],
    triggers: [],
    checks: Object.fromEntries(tables.map((t) => [t, []])),
  };
  const columns = await q<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
  );
  for (const c of columns) {
    (cat.columns[c.table_name] ??= []).push({
      name: c.column_name,
      family: PG_FAMILY[c.data_type] ?? `unexpected ${c.data_type}`,
      nullable: c.is_nullable === 'YES',
      default: normalise(c.column_default),
    });
    if (c.is_identity === 'YES') cat.generatedIds.push(`${c.table_name}.${c.column_name}`);
  }
  // Each constraint's columns (and a foreign key's referenced columns) in key order.
  const constraints = await q<{
    table: string;
    contype: string;
    columns: string[];
    parent: string | null;
    parent_columns: string[] | null;
    on_delete: string;
    definition: string;
  }>(
    `SELECT t.relname AS table, c.contype, pg_get_constraintdef(c.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
       p.relname AS parent,
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS parent_columns,
       c.confdeltype AS on_delete
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace s ON s.oid = t.relnamespace
     LEFT JOIN pg_class p ON p.oid = c.confrelid
     WHERE s.nspname = $1 AND c.contype IN ('p', 'u', 'f', 'c')`,
  );
  for (const c of constraints) {
    if (c.contype === 'p') cat.primaryKeys[c.table] = c.columns;
    if (c.contype === 'c') cat.checks[c.table]!.push(checkTerms(c.definition));
    if (c.contype === 'u') cat.uniqueConstraints.push(`${c.table}(${c.columns.join(',')})`);
    if (c.contype === 'f') {
      cat.foreignKeys.push(
        `${c.table}(${c.columns.join(',')}) -> ${c.parent}(${c.parent_columns!.join(',')})` +
          ` on delete ${PG_ON_DELETE[c.on_delete]}`,
      );
    }
  }
  for (const t of tables) cat.primaryKeys[t] ??= [];
  // Indexes that back a primary key or UNIQUE constraint are that constraint's, compared above.
  const indexes = await q<{ name: string; table: string; unique: boolean; columns: string[]; where: string | null }>(
    `SELECT ic.relname AS name, t.relname AS table, i.indisunique AS unique,
       ARRAY(SELECT COALESCE(a.attname, '${EXPRESSION}') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS where
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_namespace s ON s.oid = t.relnamespace
     WHERE s.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const ix of indexes) {
    cat.indexes[ix.name] = { table: ix.table, columns: ix.columns, unique: ix.unique, where: normalise(ix.where) };
  }
  cat.triggers = (
    await q<{ t: string }>(
      `SELECT c.relname || ': ' || tg.tgname AS t FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
       WHERE s.nspname = $1 AND NOT tg.tgisinternal`,
    )
  )
    .map((r) => r.t)
    .sort();
  cat.foreignKeys.sort();
  cat.uniqueConstraints.sort();
  cat.generatedIds.sort();
  for (const list of Object.values(cat.checks)) list.sort();
  return cat;
}

/** BIGINT as a JS number, as the PostgreSQL driver hands it to the repositories (node-postgres: a string). */
const numbersForInt8 = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

/** What a statement did: its rows, or the error's message. */
type Outcome = { rows: unknown[] } | { error: string };

describe('the PostgreSQL schema (migrations/postgres/)', () => {
  let server: ThrowawayPostgres | undefined;
  let client: pg.Client | undefined;
  let sqlite: Db;
  // Its own schema, so that a shared TEST_DATABASE_URL server is left as it was found.
  const schema = `schema_check_${randomBytes(6).toString('hex')}`;
  let sqliteCat: Catalogue;
  let pgCat: Catalogue;

  const onSqlite = (sql: string): Outcome => {
    try {
      const stmt = sqlite.prepare(sql);
      return { rows: stmt.reader ? stmt.all() : (stmt.run(), []) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const onPostgres = async (sql: string): Promise<Outcome> => {
    try {
      return { rows: (await client!.query(sql)).rows };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  /** Runs the same statements on both engines, in order, and returns what each did. */
  const onBoth = async (statements: string[]) => {
    const fromSqlite = statements.map(onSqlite);
    const fromPostgres: Outcome[] = [];
    for (const sql of statements) fromPostgres.push(await onPostgres(sql));
    return { sqlite: fromSqlite, postgres: fromPostgres };
  };

  beforeAll(async () => {
    sqlite = openDatabase(':memory:');
    migrate(sqlite);
    sqliteCat = readSqlite(sqlite);
    server = await startThrowawayPostgres();
    client = new pg.Client({ connectionString: server.url, types: { getTypeParser: numbersForInt8 } });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    // Every PostgreSQL migration in order, as the runner applies them: the schema after the last.
    for (const m of readMigrations(PG_MIGRATIONS_DIR)) await client.query(m.sql);
    pgCat = await readPostgres(client, schema);
  }, 120_000);

  afterAll(async () => {
    sqlite?.close();
    try {
      await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client?.end();
    } finally {
      await server?.stop();
    }
  }, 60_000);

  it('has the same tables', () => {
    expect(sqliteCat.tables.length).toBeGreaterThan(30);
    expect(pgCat.tables).toEqual(sqliteCat.tables);
  });

  it('has every table’s columns in the same order, of the same kind, null where SQLite allows null', () => {
    for (const table of sqliteCat.tables) {
      expect({ table, columns: pgCat.columns[table] }).toEqual({ table, columns: sqliteCat.columns[table] });
    }
  });

  it('keys every table by the same columns, numbering the same ones itself', () => {
    expect(pgCat.primaryKeys).toEqual(sqliteCat.primaryKeys);
    expect(pgCat.generatedIds).toEqual(sqliteCat.generatedIds);
    expect(pgCat.generatedIds).toContain('audit_log.id');
  });

  it('has the same references, with the same action on delete', () => {
    expect(sqliteCat.foreignKeys.length).toBeGreaterThan(20);
    expect(pgCat.foreignKeys).toEqual(sqliteCat.foreignKeys);
  });

  it('has every index by its name, on the same columns, as unique and as partial as SQLite’s', () => {
    // Every index the migrations create, in their order, less those a later one drops (to make anew).
    const indexes = new Set<string>();
    for (const m of readMigrations()) {
      const sql = m.sql.replace(/--.*$/gm, '');
      for (const [, verb, name] of sql.matchAll(/(CREATE (?:UNIQUE )?INDEX|DROP INDEX(?: IF EXISTS)?) (\w+)/gi))
        if (verb!.toUpperCase().startsWith('DROP')) indexes.delete(name!);
        else indexes.add(name!);
    }
    expect(Object.keys(sqliteCat.indexes).sort()).toEqual([...indexes].sort());
    expect(pgCat.indexes).toEqual(sqliteCat.indexes);
    expect(pgCat.uniqueConstraints).toEqual(sqliteCat.uniqueConstraints);
    expect(pgCat.uniqueConstraints).toEqual([
      'automation_firings(automation,incident_id,event_key)',
      'linked_pages(incident_key)',
      'outbox(idempotency_key)',
    ]);
  });

  it('has the same CHECK constraints on each table', () => {
    expect(Object.values(sqliteCat.checks).flat().length).toBeGreaterThan(15);
    expect(sqliteCat.checks.maintenances).toContain('> scheduled_for scheduled_until');
    expect(pgCat.checks).toEqual(sqliteCat.checks);
  });

  it('has the same triggers on the same tables', () => {
    expect(pgCat.triggers).toEqual(sqliteCat.triggers);
    expect(pgCat.triggers).toHaveLength(3);
  });

  it('starts with the same rows as SQLite after its migrations (none)', async () => {
    for (const table of sqliteCat.tables) {
      const onSqliteCount = sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).pluck().get();
      const onPgCount = (await client!.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n;
      expect({ table, rows: onPgCount }).toEqual({ table, rows: onSqliteCount });
    }
  });

  it('sorts and compares text byte by byte, as SQLite does', async () => {
    const texts = await client!.query<{ table_name: string; column_name: string; collation_name: string | null }>(
      `SELECT table_name, column_name, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND data_type = 'text'`,
      [schema],
    );
    expect(texts.rows.filter((c) => c.collation_name !== 'C')).toEqual([]);
    const names = ['b', 'B', 'a', '_', 'é', 'Z', '10', '9'];
    const done = await onBoth([
      `INSERT INTO rotations (name, position) VALUES ${names.map((n, i) => `('${n}', ${i})`).join(', ')}`,
      'SELECT name FROM rotations ORDER BY name',
      "SELECT name FROM rotations WHERE name > 'Z' ORDER BY name",
      'DELETE FROM rotations',
    ]);
    expect(done.postgres).toEqual(done.sqlite);
    expect(done.sqlite[1]).toEqual({ rows: ['10', '9', 'B', 'Z', '_', 'a', 'b', 'é'].map((name) => ({ name })) });
  });

  it('numbers a row inserted without an id, and takes one given explicitly', async () => {
    const done = await onBoth([
      "INSERT INTO incidents (title, severity, source, declared_by, declared_at, updated_at) VALUES ('a', 'sev2', 'slack', 'U1', 1, 1)",
      "INSERT INTO incidents (id, title, severity, source, declared_by, declared_at, updated_at) VALUES (7, 'b', 'sev2', 'slack', 'U1', 1, 1)",
      'SELECT id, status, is_private FROM incidents ORDER BY id',
    ]);
    expect(done.postgres).toEqual(done.sqlite);
    expect(done.sqlite[2]).toEqual({
      rows: [
        { id: 1, status: 'investigating', is_private: 0 },
        { id: 7, status: 'investigating', is_private: 0 },
      ],
    });
  });

  it('keeps the timeline append-only: an update or delete fails and changes nothing', async () => {
    const done = await onBoth([
      "INSERT INTO incidents (id, title, severity, source, declared_by, declared_at, updated_at) VALUES (100, 't', 'sev1', 'slack', 'U1', 5, 5)",
      "INSERT INTO timeline_events (incident_id, at, kind, body) VALUES (100, 5, 'declared', 'first')",
      "UPDATE timeline_events SET body = 'rewritten' WHERE incident_id = 100",
      'DELETE FROM timeline_events WHERE incident_id = 100',
      // No row matched, so no trigger fired: not an error on either engine.
      "UPDATE timeline_events SET body = 'x' WHERE incident_id = -1",
      'SELECT kind, body, data FROM timeline_events WHERE incident_id = 100',
    ]);
    expect(done.postgres).toEqual(done.sqlite);
    expect(done.sqlite.slice(2)).toEqual([
      { error: 'timeline_events is append-only' },
      { error: 'timeline_events is append-only' },
      { rows: [] },
      { rows: [{ kind: 'declared', body: 'first', data: '{}' }] },
    ]);
  });

  it('keeps the audit log append-only but lets old entries be pruned', async () => {
    const done = await onBoth([
      "INSERT INTO audit_log (at, action, via) VALUES (10, 'role.grant', 'cli')",
      "UPDATE audit_log SET action = 'forged' WHERE at = 10",
      'SELECT action, detail FROM audit_log WHERE at = 10',
      'DELETE FROM audit_log WHERE at < 11',
      'SELECT count(*) AS n FROM audit_log',
    ]);
    expect(done.postgres).toEqual(done.sqlite);
    expect(done.sqlite.slice(1)).toEqual([
      { error: 'audit_log is append-only' },
      { rows: [{ action: 'role.grant', detail: '{}' }] },
      { rows: [] },
      { rows: [{ n: 0 }] },
    ]);
  });
});
