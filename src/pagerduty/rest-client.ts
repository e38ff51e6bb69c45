import type { ExternalUser } from '../incidents/types.ts';
import { PagerDutyError, PagerDutyErrorCode } from './pagerduty-error.ts';

export interface PagerDutyClient {
  /** The user's name and email, or null when PagerDuty has no such user. */
  getUser(id: string): Promise<{ id: string; name: string; email: string | null } | null>;
  /** Who is on call now for a schedule. */
  onCall(scheduleId: string): Promise<ExternalUser[]>;
  setIncidentStatus(id: string, status: 'acknowledged' | 'resolved'): Promise<'changed' | 'already'>;
  /** The incident's status there now (GET /incidents/{id}), or null when PagerDuty has no such incident. */
  incidentStatus(id: string): Promise<string | null>;
  addNote(id: string, content: string): Promise<void>;
  /** The incident's notes' contents (to tell whether an unrecorded earlier attempt added one). */
  notes(id: string): Promise<string[]>;
  /** Moves the incident to this level of its escalation policy, as `from` (default: the bot's From). */
  escalate(id: string, level: number, from?: string): Promise<void>;
  /** Creates an incident (POST /incidents) as `from`; PagerDuty refuses a second open one with the same key. */
  createIncident(incident: NewPdIncident, from: string): Promise<PdIncidentRef>;
  /** The incident with this incident_key, if any (how a retried create finds what an earlier attempt made). */
  incidentByKey(key: string): Promise<PdIncidentRef | null>;
  /** What the token may do (GET /abilities): a cheap call that proves the token works. */
  abilities(): Promise<string[]>;
}

export interface NewPdIncident {
  title: string;
  serviceId: string;
  /** Pages this policy instead of the service's own. */
  escalationPolicyId?: string;
  incidentKey: string;
}

export interface PdIncidentRef {
  id: string;
  htmlUrl: string | null;
}

const incidentRef = (i: { id: string; html_url?: string | null }): PdIncidentRef => ({
  id: i.id,
  htmlUrl: i.html_url ?? null,
});

export interface PagerDutyClientOptions {
  token: string;
  from: string;
  apiUrl: string;
  timeoutMs?: number;
}

/**
 * The PagerDuty REST API through @pagerduty/pdjs. pdjs builds https URLs from `server`, so the full
 * `url` is passed instead (that is how PAGERDUTY_API_URL reaches a fake or a proxy). pdjs retries a
 * 429 itself; its pause is kept short because the outbox owns waiting and retrying.
 */
export function createPagerDutyClient(opts: PagerDutyClientOptions): PagerDutyClient {
  const base = opts.apiUrl.replace(/\/+$/, '');
  // pdjs (with the fetch polyfill and URL tables it brings) is loaded on the first call: an idle bot
  // makes none, and it would otherwise sit in the idle bot's memory from the start.
  let pdjs: Promise<typeof import('@pagerduty/pdjs')> | undefined;
  const call = async (
    method: string,
    path: string,
    extra: { data?: object; query?: Record<string, string>; from?: boolean | string } = {},
  ) => {
    const { api } = await (pdjs ??= import('@pagerduty/pdjs'));
    const res = await api({
      token: opts.token,
      url: `${base}${path}`,
      method,
      data: extra.data,
      queryParameters: extra.query,
      headers: extra.from ? { From: typeof extra.from === 'string' ? extra.from : opts.from } : {},
      retryTimeout: 500,
      // pdjs's own requestTimeout arms a timer that aborts nothing: without a signal a PagerDuty that
      // takes the call and never answers would hold the delivery (and its worker slot) until it hung up.
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    }).catch((cause: unknown) => {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new PagerDutyError(
        PagerDutyErrorCode.Unreachable,
        `PagerDuty ${method} ${path} did not answer: ${why}`,
        undefined,
        undefined,
        { cause },
      );
    });
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      const detail = JSON.stringify(res.data ?? {}).slice(0, 300);
      throw PagerDutyError.http(
        res.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        `PagerDuty ${method} ${path} answered ${res.status}: ${detail}`,
        reasonOf(res.data),
      );
    }
    return res.data as Record<string, unknown>;
  };
  return {
    async getUser(id) {
      try {
        const data = (await call('GET', `/users/${encodeURIComponent(id)}`)) as {
          user: { id: string; name?: string; summary?: string; email?: string };
        };
        return { id: data.user.id, name: data.user.name ?? data.user.summary ?? id, email: data.user.email ?? null };
      } catch (error) {
        if (error instanceof PagerDutyError && error.status === 404) return null;
        throw error;
      }
    },
    async onCall(scheduleId) {
      const data = (await call('GET', '/oncalls', { query: { 'schedule_ids[]': scheduleId, earliest: 'true' } })) as {
        oncalls: { user?: { id: string; summary?: string } }[];
      };
      return data.oncalls.flatMap((o) => (o.user ? [{ id: o.user.id, name: o.user.summary ?? o.user.id }] : []));
    },
    async setIncidentStatus(id, status) {
      try {
        await call('PUT', `/incidents/${encodeURIComponent(id)}`, {
          data: { incident: { type: 'incident_reference', status } },
          from: true,
        });
        return 'changed';
      } catch (error) {
        // Resolved (or acknowledged) there already, e.g. by someone in PagerDuty: the outcome we wanted.
        if (error instanceof PagerDutyError && error.status === 400 && /already/i.test(error.message)) return 'already';
        throw error;
      }
    },
    async incidentStatus(id) {
      try {
        const data = (await call('GET', `/incidents/${encodeURIComponent(id)}`)) as { incident?: { status?: string } };
        return data.incident?.status ?? null;
      } catch (error) {
        if (error instanceof PagerDutyError && error.status === 404) return null;
        throw error;
      }
    },
    async addNote(id, content) {
      await call('POST', `/incidents/${encodeURIComponent(id)}/notes`, { data: { note: { content } }, from: true });
    },
    async notes(id) {
      const data = (await call('GET', `/incidents/${encodeURIComponent(id)}/notes`)) as {
        notes?: { content?: string }[];
      };
      return (data.notes ?? []).map((n) => n.content ?? '');
    },
    async abilities() {
      return ((await call('GET', '/abilities')) as { abilities?: string[] }).abilities ?? [];
    },
    async escalate(id, level, from) {
      await call('PUT', `/incidents/${encodeURIComponent(id)}`, {
        data: { incident: { type: 'incident_reference', escalation_level: level } },
        from: from ?? true,
      });
    },
    async createIncident(incident, from) {
      const data = (await call('POST', '/incidents', {
        data: {
          incident: {
            type: 'incident',
            title: incident.title,
            service: { id: incident.serviceId, type: 'service_reference' },
            ...(incident.escalationPolicyId
              ? { escalation_policy: { id: incident.escalationPolicyId, type: 'escalation_policy_reference' } }
              : {}),
            incident_key: incident.incidentKey,
          },
        },
        from,
      })) as { incident: { id: string; html_url?: string | null } };
      return incidentRef(data.incident);
    },
    async incidentByKey(key) {
      const data = (await call('GET', '/incidents', { query: { incident_key: key, date_range: 'all' } })) as {
        incidents?: { id: string; html_url?: string | null }[];
      };
      const found = data.incidents?.[0];
      return found ? incidentRef(found) : null;
    },
  };
}

/** PagerDuty's error body (`{ error: { message, errors: [...] } }`) in its own words, bounded. */
function reasonOf(data: unknown): string | undefined {
  const error = (data as { error?: { message?: unknown; errors?: unknown } } | null)?.error;
  if (!error) return undefined;
  const errors = Array.isArray(error.errors) ? error.errors.filter((e) => typeof e === 'string') : [];
  const text = errors.length > 0 ? errors.join('; ') : typeof error.message === 'string' ? error.message : '';
  return text.slice(0, 500) || undefined;
}
