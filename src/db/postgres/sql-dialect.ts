/**
 * The project's statements are written once, in the SQL that SQLite and PostgreSQL share. What
 * differs is spelled here, for PostgreSQL, so that the repositories keep one text per statement:
 * - placeholders: SQLite's `?` and `@name` become `$1…$n` (a named one used twice keeps one number);
 * - column aliases: PostgreSQL folds an unquoted `AS incidentId` to `incidentid`, SQLite keeps its
 *   case, and the code reads the camel-case name;
 * - inserts: `RETURNING *` is added so that `run()` can tell the new row's id, as SQLite's
 *   `lastInsertRowid` does.
 * Only text outside string literals, quoted identifiers and comments is rewritten.
 */
export interface PgStatementText {
  text: string;
  /** For `@name` placeholders: the name bound to each `$n`, in order; null for positional `?`. */
  names: string[] | null;
  /** How many `$n` the text has. */
  count: number;
  /** An INSERT without its own RETURNING: `RETURNING *` was added for `lastInsertRowid`. */
  returnsInserted: boolean;
  /** The statement reads rows back (a SELECT, or its own RETURNING). */
  reader: boolean;
}

const CAMEL_ALIAS = /\bAS\s+([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*)\b/g;

export function toPostgres(sql: string): PgStatementText {
  const names: string[] = [];
  let named = false;
  let positional = 0;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (c === '?') {
      out += `$${++positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /\w/.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let n = names.indexOf(name);
      if (n === -1) n = names.push(name) - 1;
      out += `$${n + 1}`;
      named = true;
      i = j;
    } else {
      // Copy the run up to the next character that may start something to rewrite.
      let j = i + 1;
      while (j < sql.length && !`'"-?@`.includes(sql[j]!)) j++;
      out += sql.slice(i, j).replace(CAMEL_ALIAS, 'AS "$1"');
      i = j;
    }
  }
  if (named && positional > 0) throw new Error('A statement mixes ? and @name placeholders');
  const head = /^\s*(\w+)/.exec(out)?.[1]?.toUpperCase() ?? '';
  const hasReturning = /\bRETURNING\b/i.test(out);
  const returnsInserted = head === 'INSERT' && !hasReturning;
  const text = returnsInserted ? `${out.trimEnd().replace(/;$/, '')} RETURNING *` : out;
  return {
    text,
    names: named ? names : null,
    count: named ? names.length : positional,
    returnsInserted,
    reader: head === 'SELECT' || head === 'WITH' || head === 'VALUES' || hasReturning,
  };
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}
