import type { ServerResponse } from 'node:http';
import type { Settings } from '../config/settings.ts';
import type { GroupCommit } from '../db/group-commit.ts';
import { BodyTooLargeError, readBody } from '../http/read-body.ts';
import { sendJson, type Route } from '../http/server.ts';
import type { IncidentService } from '../incidents/service.ts';
import { ErrorCode, isUserError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { annotate, inSpan, noTracer, withCause, type Tracer } from '../lib/telemetry.ts';
import { mapPagerDutyEvent } from './map-event.ts';
import { verifyPagerDutySignature } from './verify-signature.ts';
import { envelopeSchema } from './webhook-schema.ts';

/** PagerDuty's largest v3 payloads are a few kB; 1 MB leaves room without inviting abuse. */
const PAGERDUTY_BODY_LIMIT = 1024 * 1024;

export interface PagerDutyWebhookDeps {
  secrets: readonly string[];
  settings: Settings;
  incidents: IncidentService;
  log: Logger;
  /** Seconds PagerDuty is asked to wait before redelivering an event the database could not take. */
  retryAfterSeconds?: number;
  /** A span per webhook (under the HTTP server's span, which honours an incoming `traceparent`). */
  tracer?: Tracer;
  /**
   * Runs the event's transaction and settles once it is committed (the bot commits the webhooks of
   * one event-loop turn together, in transactions of about 10 ms each, see db/group-commit.ts); by
   * default each commits on its own.
   */
  commit?: GroupCommit;
}

const commitNow: GroupCommit = async (write) => write();

/**
 * `POST /webhooks/pagerduty`: verify, bound, parse once, record and apply in one transaction,
 * answer 202. All Slack work happens later, in the outbox. A status code for every outcome:
 * 401 unsigned, 413 too large, 400 malformed (with the reason), 202 accepted, ignored, duplicate or stale
 * (older than what is already applied: PagerDuty does not promise order), 503 with Retry-After when
 * the database cannot take it (disk full): nothing was recorded, and PagerDuty's redelivery of the
 * same event id is applied once there is room.
 */
export function pagerDutyWebhookRoute(deps: PagerDutyWebhookDeps): Route {
  const route = untracedRoute(deps);
  const tracer = deps.tracer ?? noTracer;
  return {
    ...route,
    handle: (req, res, params) => inSpan(tracer, 'pagerduty.webhook', {}, () => route.handle(req, res, params)),
  };
}

function untracedRoute(deps: PagerDutyWebhookDeps): Route {
  const commit = deps.commit ?? commitNow;
  // Made once: a child logger per request costs more than the rest of a duplicate's handling.
  const log = deps.log.child({ source: 'pagerduty' });
  return {
    method: 'POST',
    path: '/webhooks/pagerduty',
    async handle(req, res) {
      const reply = (status: number, body: Record<string, unknown>) => sendJson(res as ServerResponse, status, body);
      if (deps.secrets.length === 0) {
        log.warn(
          { event: 'webhook.refused', reason: 'not_configured' },
          'PagerDuty webhook received but PAGERDUTY_WEBHOOK_SECRETS is not set',
        );
        return reply(503, { error: 'not_configured', reason: 'PAGERDUTY_WEBHOOK_SECRETS is not set on the bot' });
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, PAGERDUTY_BODY_LIMIT);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          log.warn({ event: 'webhook.refused', reason: error.message }, 'webhook refused: too large');
          res.setHeader('connection', 'close');
          return reply(413, { error: 'too_large', reason: error.message });
        }
        throw error;
      }
      const signature = req.headers['x-pagerduty-signature'];
      if (!verifyPagerDutySignature(raw, Array.isArray(signature) ? signature.join(',') : signature, deps.secrets)) {
        log.warn(
          { event: 'webhook.refused', has_signature: Boolean(signature) },
          'webhook refused: bad or missing signature',
        );
        return reply(401, { error: 'bad_signature' });
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        log.warn({ event: 'webhook.refused', reason: (error as Error).message }, 'webhook refused: not JSON');
        return reply(400, { error: 'malformed', reason: `body is not valid JSON: ${(error as Error).message}` });
      }
      const envelope = envelopeSchema.safeParse(json);
      if (!envelope.success) {
        const reason = envelope.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ');
        log.warn({ event: 'webhook.refused', reason }, 'webhook refused: not a v3 event');
        return reply(400, { error: 'malformed', reason });
      }
      const e = envelope.data.event;
      const about = { event_id: e.id, event_type: e.event_type };
      annotate({ 'pagerduty.event_id': e.id, 'pagerduty.event_type': e.event_type });
      const mapped = mapPagerDutyEvent(envelope.data, deps.settings);
      if (mapped.type === 'ignored') {
        log.debug({ ...about, event: 'webhook.ignored', reason: mapped.reason }, 'webhook ignored');
        return reply(202, { status: 'ignored', reason: mapped.reason });
      }
      if (mapped.type === 'invalid') {
        log.warn({ ...about, event: 'webhook.refused', reason: mapped.reason }, 'webhook refused: unexpected shape');
        return reply(400, { error: 'malformed', reason: mapped.reason });
      }
      let applied: ReturnType<IncidentService['applyExternal']>;
      try {
        // What the event changes, and the effects it queues, remember which event caused them. The
        // 202 waits for the commit: an event is never acknowledged before it is durably recorded.
        applied = await commit(() =>
          withCause({ source: 'pagerduty', event_id: e.id }, () => deps.incidents.applyExternal(mapped.event)),
        );
      } catch (error) {
        // The domain turns a storage failure into a coded error; its transaction rolled back whole.
        if (!isUserError(error) || error.code !== ErrorCode.StorageUnavailable) throw error;
        log.warn(
          { ...about, event: 'webhook.refused', reason: error.message },
          'webhook refused: the database cannot be written; PagerDuty will redeliver',
        );
        return sendJson(
          res as ServerResponse,
          503,
          { error: 'storage_unavailable', reason: error.message },
          { 'retry-after': String(deps.retryAfterSeconds ?? 60) },
        );
      }
      const { outcome, incidentId } = applied;
      const fields = {
        ...about,
        incident_id: incidentId ?? undefined,
        outcome,
        pagerduty_incident: mapped.event.externalId,
        occurred_at: e.occurred_at,
      };
      if (outcome === 'stale')
        log.info(
          { event: 'webhook.stale', ...fields },
          'webhook ignored: older than the last change PagerDuty made to this incident',
        );
      else log.info({ event: 'webhook.accepted', ...fields }, 'webhook applied');
      reply(202, { status: outcome, incident_id: incidentId });
    },
  };
}
