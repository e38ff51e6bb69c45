/**
 * Errors carry a stable `code` (for tests, logs and metrics) and a message a person can act on.
 * `UserError`s are the caller's to fix and are shown to them; anything else is a bug and is logged.
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  UnknownVerb: 'unknown_verb',
  BadArgument: 'bad_argument',
  NotFound: 'not_found',
  NotInIncidentChannel: 'not_in_incident_channel',
  Forbidden: 'forbidden',
  MigrationFailed: 'migration_failed',
  Busy: 'busy',
  Conflict: 'conflict',
  BackupFailed: 'backup_failed',
  StorageUnavailable: 'storage_unavailable',
  /** The integration a request needs is not set up (e.g. no credentials to page with). */
  NotConfigured: 'not_configured',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An error the person who asked can fix; its message is shown to them verbatim. `action` names, in
 * the domain's words (`reopen`, `note`, …), what would fix it, so that an edge can add how that is
 * done there (a command, a button) without the domain knowing any edge's syntax.
 */
export class UserError extends AppError {
  readonly action: string | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; action?: string }) {
    super(code, message, options);
    this.action = options?.action;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
