import type { Db } from '../db/open.ts';
import { sendJson, type Route } from './server.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves to undefined when ready, or to a reason a person can act on. */
  check(): Promise<string | undefined> | string | undefined;
  /** Facts for an operator shown beside the result (e.g. dead outbox rows); they never make it fail. */
  details?(): Record<string, unknown>;
  /**
   * Its reason is listed but does not make the bot unready: the bot still serves, only what needs
   * that integration waits (taking the bot out of service would stop the rest too).
   */
  advisory?: boolean;
}

export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    check: () => {
      try {
        db.prepare('SELECT 1').get();
        return undefined;
      } catch (error) {
        return `database query failed: ${(error as Error).message}`;
      }
    },
  };
}

/** Liveness: the process answers. Deliberately touches nothing else. */
export const livenessRoute = (): Route => ({
  method: 'GET',
  path: '/healthz',
  handle: (_req, res) => sendJson(res, 200, { status: 'ok' }),
});

function detailsOf(check: ReadinessCheck): Record<string, unknown> | undefined {
  try {
    return check.details?.();
  } catch {
    return undefined; // the check itself reports what is broken (e.g. the database)
  }
}

/**
 * Readiness: every check passes; else 503 with each failing check's reason. A failing advisory check
 * is listed with its reason under 200 and `status: degraded`.
 */
export function readinessRoute(checks: ReadinessCheck[]): Route {
  return {
    method: 'GET',
    path: '/readyz',
    handle: async (_req, res) => {
      const results = await Promise.all(
        checks.map(async (c) => {
          const reason = await Promise.resolve()
            .then(() => c.check())
            .catch((error: unknown) => `check threw: ${(error as Error).message}`);
          const details = detailsOf(c);
          return {
            name: c.name,
            advisory: c.advisory === true,
            ok: reason === undefined,
            ...(reason ? { reason } : {}),
            ...(details ? { details } : {}),
          };
        }),
      );
      const ready = results.every((r) => r.ok || r.advisory);
      const status = !ready ? 'not_ready' : results.every((r) => r.ok) ? 'ready' : 'degraded';
      sendJson(res, ready ? 200 : 503, { status, checks: results.map(({ advisory: _, ...r }) => r) });
    },
  };
}
