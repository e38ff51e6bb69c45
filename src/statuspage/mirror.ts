import type { Config } from '../config/config.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { IncidentRepository } from '../incidents/incident-repository.ts';
import type { Component } from '../incidents/types.ts';
import type { UpdateRepository } from '../incidents/update-repository.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import { StatuspageError, StatuspageErrorCode } from './statuspage-error.ts';

const IMPACT = { sev1: 'critical', sev2: 'major', sev3: 'minor', sev4: 'none' } as const;

export function classifyStatuspageError(error: unknown): Failure {
  if (!(error instanceof StatuspageError)) return { type: 'transient' };
  if (error.code === StatuspageErrorCode.UpdateGone) return { type: 'permanent' };
  if (error.status === undefined) return { type: 'transient' };
  if (error.status === 429) return { type: 'rate_limited', retryAfterMs: error.retryAfterMs ?? 5000 };
  if (error.status >= 500 || error.status === 401 || error.status === 403 || error.status === 408)
    return { type: 'transient' };
  return { type: 'permanent' };
}

/**
 * Mirrors public updates to Atlassian Statuspage (REST v1): the first creates the incident there,
 * later ones patch it, each with the components it names. Runs per incident in order.
 */
export function statuspageMirrorHandlers(deps: {
  config: Config['statuspage'];
  incidents: IncidentRepository;
  updates: UpdateRepository;
  components: Component[];
  now: () => number;
  timeoutMs?: number;
}): Record<string, EffectHandler> {
  const call = statuspageCaller(deps.config, deps.timeoutMs);
  const mapped = new Map(deps.components.filter((c) => c.statuspage_id).map((c) => [c.id, c.statuspage_id!]));
  type SpIncident = { id?: string; name?: string; created_at?: string; incident_updates?: { body?: string }[] };
  /** After an unrecorded attempt: the incident it created (same name, created since), if any. */
  const createdEarlier = async (name: string, since: number) =>
    ((await call('GET', '/incidents/unresolved')) as SpIncident[]).find(
      (i) => i.name === name && Date.parse(i.created_at ?? '') >= since,
    )?.id;
  /** After an unrecorded attempt: whether its update is already the newest one there. */
  const alreadyPosted = async (id: string, body: string) =>
    ((await call('GET', `/incidents/${encodeURIComponent(id)}`)) as SpIncident).incident_updates?.[0]?.body === body;
  return {
    [EffectKind.StatuspageSync]: {
      lane: 'statuspage',
      classify: classifyStatuspageError,
      async deliver(row) {
        const incident = deps.incidents.get(row.incidentId!);
        const update = deps.updates.get(Number(row.payload.updateId));
        if (!incident || !update)
          throw new StatuspageError(
            StatuspageErrorCode.UpdateGone,
            `update ${String(row.payload.updateId)} of incident ${row.incidentId} is gone`,
          );
        const components = Object.fromEntries(
          update.components.filter((c) => mapped.has(c.id)).map((c) => [mapped.get(c.id)!, c.new]),
        );
        // The public name and words only (as on our own status page); the name follows a rename.
        const name = withoutSlackMentions(incident.publicTitle);
        const body = withoutSlackMentions(update.body);
        const fields = { name, status: update.status, body, components };
        const since = row.createdAt - 60_000;
        if (incident.statuspageId) {
          if (row.uncertain && (await alreadyPosted(incident.statuspageId, body)))
            return { result: { statuspage_id: incident.statuspageId, found: update.id } };
          await call('PATCH', `/incidents/${encodeURIComponent(incident.statuspageId)}`, { incident: fields });
          return { result: { statuspage_id: incident.statuspageId, patched: update.id } };
        }
        const earlier = row.uncertain ? await createdEarlier(name, since) : undefined;
        const created = earlier
          ? { id: earlier }
          : ((await call('POST', '/incidents', {
              incident: {
                impact_override: IMPACT[incident.severity],
                component_ids: Object.keys(components),
                ...fields,
              },
            })) as SpIncident);
        const id = String(created.id);
        return {
          result: { statuspage_id: id, created: update.id },
          commit: () => deps.incidents.update(incident.id, { statuspageId: id }, deps.now()),
        };
      },
    },
  };
}

/** Calls Statuspage's REST v1 for one page: JSON in and out, errors as StatuspageError (classified above). */
export function statuspageCaller(config: Config['statuspage'], timeoutMs?: number) {
  const { apiKey, pageId, apiUrl } = config;
  const base = `${apiUrl.replace(/\/+$/, '')}/pages/${encodeURIComponent(pageId ?? '')}`;
  const call = async (method: string, path: string, body?: object) => {
    const unreachable = (cause: unknown): never => {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new StatuspageError(
        StatuspageErrorCode.Unreachable,
        `Statuspage ${method} ${path} did not answer: ${why}`,
        undefined,
        undefined,
        { cause },
      );
    };
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `OAuth ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs ?? 10_000),
    }).catch(unreachable);
    const text = await res.text().catch(unreachable);
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw StatuspageError.http(
        res.status,
        retryAfter > 0 ? retryAfter * 1000 : undefined,
        `Statuspage ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`,
      );
    }
    return JSON.parse(text || '{}') as unknown;
  };
  return call;
}
