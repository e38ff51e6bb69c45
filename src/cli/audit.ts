import { AuditRepository, type AuditRecord } from '../audit/audit-repository.ts';
import { cliTime, printTable } from './print-table.ts';
import type { StorageLocation } from '../config/config.ts';
import { openOutbox, printableError, type OutboxCliIo } from './outbox.ts';

/** Records printed at most; a longer period is narrowed with `--since`. */
export const AUDIT_LIMIT = 10_000;
const DEFAULT_SINCE_MS = 7 * 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export const AUDIT_USAGE = `Usage:
  incident-bot audit [--since <when>] [--json]
            who did what, when and from where, oldest first; <when> is a date or time
            (2026-11-01, 2026-11-01T08:00Z) or a period back from now (90m, 12h, 30d); default 7d.
            --json: one JSON object per line`;

/** `--since`'s value as a time: an ISO date or time, or a period back from now. Null when neither. */
export function parseSince(text: string, now: number): number | null {
  const period = /^(\d{1,6})([mhd])$/.exec(text);
  if (period) return now - Number(period[1]) * UNIT_MS[period[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]{2,12}(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}

function table(rows: AuditRecord[]): string[] {
  const cells = rows.map((r) => [
    cliTime(r.at),
    r.via,
    printableError(r.actor, 40),
    r.action,
    r.incidentId === null ? '-' : `#${r.incidentId}`,
    printableError(JSON.stringify(r.detail), 100),
  ]);
  return printTable(['time', 'via', 'who', 'action', 'incident', 'detail'], cells);
}

/** `audit [--since …] [--json]`: the audit log since then, oldest first. Reads only. */
export function auditList(
  where: StorageLocation,
  argv: string[],
  io: Pick<OutboxCliIo, 'out' | 'err' | 'now'>,
): number {
  let since = io.now() - DEFAULT_SINCE_MS;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--since' || arg.startsWith('--since=')) {
      const value = arg === '--since' ? argv[++i] : arg.slice('--since='.length);
      const at = value === undefined ? null : parseSince(value, io.now());
      if (at === null) {
        io.err(`"${printableError(value ?? '', 40)}" is not a time for --since.\n\n${AUDIT_USAGE}`);
        return 2;
      }
      since = at;
    } else {
      io.err(`Unknown argument "${printableError(arg, 40)}".\n\n${AUDIT_USAGE}`);
      return 2;
    }
  }
  const { db } = openOutbox(where);
  try {
    const rows = new AuditRepository(db).since(since, AUDIT_LIMIT + 1);
    const shown = rows.slice(-AUDIT_LIMIT);
    if (json) {
      for (const r of shown) io.out(JSON.stringify({ ...r, at: new Date(r.at).toISOString() }));
    } else if (shown.length === 0) {
      io.out(`Nothing recorded since ${cliTime(since)}.`);
    } else {
      for (const l of table(shown)) io.out(l);
    }
    if (rows.length > AUDIT_LIMIT)
      io.err(
        `More than ${AUDIT_LIMIT} records since ${cliTime(since)}; the newest ${AUDIT_LIMIT} shown: narrow --since.`,
      );
    return 0;
  } finally {
    db.close();
  }
}
