import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Settings } from '../config/settings.ts';
import { BodyTooLargeError, readBody } from '../http/read-body.ts';
import { sendJson, type Route } from '../http/server.ts';
import type { IncidentService } from '../incidents/service.ts';
import { ErrorCode, isUserError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { annotate, inSpan, noTracer, withCause, type Tracer } from '../lib/telemetry.ts';
import { mapAlertmanagerPayload } from './map-event.ts';
import { BODY_LIMIT, parsePayload } from './parse-payload.ts';
import { verifyBearerToken } from './verify-token.ts';

export const ALERTMANAGER_PATH = '/webhooks/alertmanager';

export interface AlertmanagerWebhookDeps {
  /** ALERTMANAGER_TOKEN; without it the endpoint is off. */
  token: string | undefined;
  settings: Settings;
  incidents: IncidentService;
  log: Logger;
  /** Seconds Alertmanager is asked to wait before retrying a notification the database could not take. */
  retryAfterSeconds?: number;
  tracer?: Tracer;
}

/**
 * `POST /webhooks/alertmanager`: check the bearer token, bound, parse once, apply in one transaction,
 * answer 202. A status code for every outcome: 404 while ALERTMANAGER_TOKEN is unset (the endpoint is
 * off: Alertmanager does not retry a 4xx), 401 without the token, 413 too large, 400 malformed (with the
 * reason), 202 opened, joined, unchanged, ignored or duplicate, 503 with Retry-After when the database
 * cannot take it (Alertmanager retries a 5xx; nothing was recorded, so the retry is applied in full).
 */
export function alertmanagerWebhookRoute(deps: AlertmanagerWebhookDeps): Route {
  const route = untracedRoute(deps);
  const tracer = deps.tracer ?? noTracer;
  return {
    ...route,
    handle: (req, res, params) => inSpan(tracer, 'alertmanager.webhook', {}, () => route.handle(req, res, params)),
  };
}

function untracedRoute(deps: AlertmanagerWebhookDeps): Route {
  return {
    method: 'POST',
    path: ALERTMANAGER_PATH,
    async handle(req, res) {
      const log = deps.log.child({ source: 'alertmanager' });
      const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
        sendJson(res as ServerResponse, status, body, headers);
      // Answered before the body is read: the rest of it is not wanted on this connection.
      const refuse = (status: number, body: Record<string, unknown>) =>
        reply(status, body, req.complete ? {} : { connection: 'close' });
      if (!deps.token) {
        log.warn(
          { event: 'webhook.refused', reason: 'not_configured' },
          'Alertmanager notification received but ALERTMANAGER_TOKEN is not set',
        );
        return refuse(404, {
          error: 'not_configured',
          reason: 'ALERTMANAGER_TOKEN is not set on the bot, so this endpoint is off',
        });
      }
      if (!verifyBearerToken(req.headers.authorization, deps.token)) {
        log.warn(
          { event: 'webhook.refused', has_authorization: Boolean(req.headers.authorization) },
          'webhook refused: missing or wrong bearer token',
        );
        return refuse(401, {
          error: 'bad_token',
          reason: 'send Authorization: Bearer <ALERTMANAGER_TOKEN> (http_config.authorization.credentials)',
        });
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, BODY_LIMIT);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        log.warn({ event: 'webhook.refused', reason: error.message }, 'webhook refused: too large');
        return refuse(413, { error: 'too_large', reason: `${error.message}; set max_alerts in the webhook_config` });
      }
      const parsed = parsePayload(raw);
      if (!parsed.ok) {
        log.warn({ event: 'webhook.refused', reason: parsed.reason }, 'webhook refused: not a version 4 notification');
        return reply(400, { error: 'malformed', reason: parsed.reason });
      }
      const p = parsed.payload;
      // A retry of a failed delivery carries the same body: its hash is the notification's id.
      const deliveryId = createHash('sha256').update(raw).digest('hex');
      const evLog = log.child({ event_id: deliveryId.slice(0, 16), group_key: p.groupKey.slice(0, 200) });
      annotate({ 'alertmanager.event_id': deliveryId.slice(0, 16), 'alertmanager.status': p.status });
      const event = mapAlertmanagerPayload(p, deliveryId, deps.settings);
      let applied: ReturnType<IncidentService['applyAlert']>;
      try {
        applied = withCause({ source: 'alertmanager', event_id: deliveryId.slice(0, 16) }, () =>
          deps.incidents.applyAlert(event),
        );
      } catch (error) {
        // The domain turns a storage failure into a coded error; its transaction rolled back whole.
        if (!isUserError(error) || error.code !== ErrorCode.StorageUnavailable) throw error;
        evLog.warn(
          { event: 'webhook.refused', reason: error.message },
          'webhook refused: the database cannot be written; Alertmanager will retry',
        );
        return reply(
          503,
          { error: 'storage_unavailable', reason: error.message },
          { 'retry-after': String(deps.retryAfterSeconds ?? 60) },
        );
      }
      const { outcome, incidentId } = applied;
      evLog.info(
        {
          event: 'webhook.accepted',
          incident_id: incidentId ?? undefined,
          outcome,
          status: p.status,
          alerts: p.alerts.length,
          truncated_alerts: p.truncatedAlerts || undefined,
        },
        'Alertmanager notification applied',
      );
      reply(202, { status: outcome, incident_id: incidentId });
    },
  };
}
