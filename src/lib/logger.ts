import { pino, type Logger, type DestinationStream } from 'pino';
import { contextLogFields } from './telemetry.ts';

export type { Logger };

/** Keys whose values are credentials, whatever object they sit in. */
const SECRET_KEY = /token|secret|password|authorization|signature|api_?key|cookie/i;
/** The same rule, for other places that must judge a name (a runbook step's environment). */
export const SECRET_NAME = SECRET_KEY;
const MAX_DEPTH = 8;

/**
 * Returns the value with every credential-named key censored, at any depth. Pino's own `redact`
 * takes fixed paths, which miss the next way a token gets nested (config.slack.botToken,
 * req.headers.authorization …); a key-name rule does not. Objects without secrets are returned
 * as they are, so the common case allocates nothing.
 */
function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Error) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = redactSecrets(item, depth + 1);
      if (clean !== item) (copy ??= [...value])[i] = clean;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const clean =
      SECRET_KEY.test(key) && item !== undefined && item !== null ? '[redacted]' : redactSecrets(item, depth + 1);
    if (clean !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = clean;
  }
  return (copy ?? value) as T;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const root = pino(
    {
      level,
      base: { service: 'incident-bot' },
      formatters: { log: (object) => redactSecrets(object) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line says which trace and span it belongs to, and what request caused the work (a
      // delivery, a runbook run): read from the async context, so no call site has to pass them.
      mixin: contextLogFields,
    },
    destination,
  );
  // Pino skips formatters for child bindings; children inherit this wrapper through their prototype.
  const child = root.child;
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as typeof root.child;
  return root;
}
