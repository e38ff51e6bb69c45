import { existsSync } from 'node:fs';
import { cliTime, printTable } from './print-table.ts';
import { userInfo } from 'node:os';
import { AuditRepository } from '../audit/audit-repository.ts';
import type { StorageLocation } from '../config/config.ts';
import { migrationState } from '../db/migrate.ts';
import type { Db } from '../db/open.ts';
import { openStorage } from '../db/open-storage.ts';
import { redact } from '../db/postgres/pg-database.ts';
import { AppError, ErrorCode } from '../lib/errors.ts';
import { OutboxRepository, type UndeliveredRow } from '../outbox/outbox-repository.ts';

/** Rows `outbox list` prints at most; the rest are counted. */
export const LIST_LIMIT = 200;
const ERROR_COLUMNS = 80;
/** More ids than any operator types: a bound on the argument list, not a policy. */
const MAX_IDS = 1000;

export interface OutboxCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether a person can answer a question (stdin is a terminal). */
  interactive: boolean;
  /** Asks a yes/no question; only called when `interactive`. */
  ask: (question: string) => Promise<boolean>;
  now: () => number;
  /** Who is at the command line, for the audit log (default: the operating-system user). */
  operator?: string;
}

/** The operating-system user running a CLI verb: the "who" of what it does. */
export function operatingSystemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/**
 * Opens the bot's database for an operator command, next to the running bot (WAL: readers and one
 * writer at a time; the busy timeout waits out the bot's short transactions). Refuses a database
 * that does not exist or is not migrated, rather than creating or half-reading it.
 */
export function openOutbox(where: StorageLocation): { db: Db; outbox: OutboxRepository } {
  const path = where.databaseUrl ? redact(where.databaseUrl) : where.databasePath;
  if (!where.databaseUrl && !existsSync(where.databasePath))
    throw new AppError(ErrorCode.NotFound, `${path} does not exist (DATABASE_PATH); there is no outbox to look at`);
  const db = openStorage(where);
  try {
    const { pending } = migrationState(db);
    if (pending.length > 0)
      throw new AppError(
        ErrorCode.MigrationFailed,
        `${path} is not migrated (pending: ${pending.join(', ')}); run \`incident-bot migrate\` first`,
      );
    return { db, outbox: new OutboxRepository(db) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Error text comes from vendors and our own messages; it may carry a URL with a credential in it
 * or bytes that drive a terminal. Printed only after both are removed.
 */
export function printableError(text: string | null, width = ERROR_COLUMNS): string {
  if (!text) return '-';
  const clean = text
    .slice(0, 4000)
    // eslint-disable-next-line no-control-regex -- input cleaning: terminal escapes and line breaks out
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\b(?:xox[a-z]-|xapp-|gh[pousr]_|github_pat_)[A-Za-z0-9_-]+/g, '[redacted]')
    .replace(/\/\/[^/\s@]{1,200}@/g, '//[redacted]@')
    .replace(/([?&](?:token|key|api_key|access_token|secret|sig|signature|code)=)[^&\s]+/gi, '$1[redacted]')
    .replace(/(authorization:? ?(?:bearer |token )?)[^\s,;]+/gi, '$1[redacted]');
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean;
}

/**
 * A pending row a replica is delivering: who, and until when its claim holds. A claim whose lease has
 * passed (its replica died, or stalled) is taken over by the next replica to look.
 */
function claim(r: UndeliveredRow, now: number): [string, string] {
  if (r.state !== 'pending' || r.claimedBy === null || r.leaseUntil === null) return ['-', '-'];
  const lease = cliTime(r.leaseUntil);
  return [printableError(r.claimedBy, 64), r.leaseUntil <= now ? `${lease} (passed)` : lease];
}

function table(rows: UndeliveredRow[], now: number): string[] {
  const cells = rows.map((r) => [
    String(r.id),
    r.kind,
    r.incidentId === null ? '-' : `#${r.incidentId}`,
    r.state,
    String(r.attempts),
    cliTime(r.createdAt),
    r.state === 'pending' ? cliTime(r.availableAt) : '-',
    ...claim(r, now),
    printableError(r.lastError),
  ]);
  const header = ['id', 'kind', 'incident', 'state', 'attempts', 'created', 'due', 'claimed by', 'lease until'];
  return printTable([...header, 'last error'], cells);
}

/** `outbox list [--dead]`: what is not delivered (or only what is dead), newest first. */
export function outboxList(where: StorageLocation, argv: string[], io: OutboxCliIo): number {
  const unknown = argv.filter((a) => a !== '--dead');
  if (unknown.length > 0) {
    io.err(`Unknown argument "${printableError(unknown[0]!, 40)}".\n\n${OUTBOX_USAGE}`);
    return 2;
  }
  const deadOnly = argv.includes('--dead');
  const { db, outbox } = openOutbox(where);
  try {
    const { rows, total } = outbox.undelivered({ deadOnly, limit: LIST_LIMIT });
    if (total === 0) {
      io.out(deadOnly ? 'No dead effects.' : 'Nothing waiting: no pending or dead effects.');
      return 0;
    }
    for (const l of table(rows, io.now())) io.out(l);
    const what = deadOnly ? 'dead effects' : 'effects not delivered';
    io.out(
      total > rows.length
        ? `${total} ${what}; the newest ${rows.length} shown, ${total - rows.length} more not shown.`
        : `${total} ${what}.`,
    );
    return 0;
  } finally {
    db.close();
  }
}

/**
 * `outbox retry <id…|--all-dead> [--yes]`: dead rows back to pending, all or none, in one
 * transaction; the running bot's worker delivers them at its next poll. A row keeps its idempotency
 * key, so it is the same effect sent again, never a copy. Sending many again asks first.
 */
export async function outboxRetry(where: StorageLocation, argv: string[], io: OutboxCliIo): Promise<number> {
  const allDead = argv.includes('--all-dead');
  const yes = argv.includes('--yes');
  const rest = argv.filter((a) => a !== '--all-dead' && a !== '--yes');
  const bad = rest.find((a) => !/^[1-9]\d{0,14}$/.test(a));
  if (bad !== undefined || (allDead ? rest.length > 0 : rest.length === 0) || rest.length > MAX_IDS) {
    io.err(
      bad !== undefined
        ? `"${printableError(bad, 40)}" is not an outbox row id (see \`incident-bot outbox list --dead\`).\n\n${OUTBOX_USAGE}`
        : OUTBOX_USAGE,
    );
    return 2;
  }
  const { db, outbox } = openOutbox(where);
  try {
    let ids = rest.map(Number);
    if (allDead) {
      ids = outbox.deadIds();
      if (ids.length === 0) {
        io.out('No dead effects; nothing to retry.');
        return 0;
      }
      const question = `Send ${ids.length} dead effect(s) again (ids ${summarise(ids)})?`;
      if (!yes) {
        if (!io.interactive) {
          io.err(
            `${question} Not retried: this sends them to Slack, PagerDuty, GitHub or Statuspage again, and no one is at a terminal to confirm. Add --yes to confirm.`,
          );
          return 1;
        }
        if (!(await io.ask(`${question} [y/N] `))) {
          io.out('Nothing retried.');
          return 1;
        }
      }
    }
    // Only the rows counted above: one that died after the question was not agreed to.
    const { revived, unknown, notDead } = outbox.revive(ids, io.now());
    if (unknown.length > 0 || notDead.length > 0) {
      for (const id of unknown) io.err(`${id}: no such outbox row`);
      for (const { id, state } of notDead)
        io.err(`${id}: is ${state}, not dead; only dead rows are retried (a pending one is still being tried)`);
      io.err('Nothing retried.');
      return 1;
    }
    new AuditRepository(db).append(
      {
        action: 'outbox.retried',
        actor: io.operator ?? operatingSystemUser(),
        via: 'cli',
        incidentId: null,
        detail: { ids: revived, all_dead: allDead },
      },
      io.now(),
    );
    io.out(
      `Retrying ${revived.length} effect(s) (ids ${summarise(revived)}): pending again, due now; the running bot (or the next start) delivers them.`,
    );
    return 0;
  } finally {
    db.close();
  }
}

const summarise = (ids: number[]) => (ids.length > 20 ? `${ids.slice(0, 20).join(', ')}, …` : ids.join(', '));

export const OUTBOX_USAGE = `Usage:
  incident-bot outbox list [--dead]
            effects not delivered yet (pending and dead), newest ${LIST_LIMIT}; --dead: only those given up on
  incident-bot outbox retry <id…> | --all-dead [--yes]
            send dead effects again (the same effect, not a copy); --all-dead asks first, or needs --yes`;
