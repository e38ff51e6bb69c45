import type { webApi } from '@slack/bolt';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { ReadinessCheck } from './health.ts';

/**
 * Slack answers auth.test with this token. Asked at most once a minute (readiness is polled often;
 * Slack's auth.test is rate limited), and the last answer is reused in between. A refused token
 * makes the bot unready; Slack being down only degrades it (advisory): taking the bot out of service
 * would also stop what does not need Slack, the status page and PagerDuty's webhooks.
 */
export function slackCheck(client: webApi.WebClient, now: () => number, everyMs = 60_000): ReadinessCheck {
  let last: { at: number; reason: string | undefined; down?: boolean } | undefined;
  return {
    name: 'slack',
    get advisory() {
      return last?.down === true;
    },
    async check() {
      if (last && now() - last.at < everyMs) return last.reason;
      try {
        await client.auth.test();
        last = { at: now(), reason: undefined };
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
        const refused = code === 'invalid_auth' || code === 'token_revoked' || code === 'account_inactive';
        const hint = refused ? ' — check SLACK_BOT_TOKEN' : ' — Slack is unreachable or failing';
        last = { at: now(), reason: `Slack auth.test failed: ${code}${hint}`, down: !refused };
      }
      return last.reason;
    },
  };
}

/**
 * An integration that refused the bot's credentials (e.g. PagerDuty answering 401 to a revoked
 * token): the reason says what to fix, and clears once the integration takes them again. Advisory:
 * everything that does not need that integration goes on.
 */
export function refusedCredentialsCheck(name: string, refusal: () => string | undefined): ReadinessCheck {
  return { name, advisory: true, check: refusal };
}

/**
 * Effects are going out: none has been due for longer than `maxAgeMs` without being delivered.
 * Dead rows are given up on, not overdue: they do not make the bot unready (restarting it would not
 * help), but their count and the oldest one are in the details, for `incident-bot outbox list --dead`.
 */
export function outboxCheck(outbox: OutboxRepository, now: () => number, maxAgeMs = 5 * 60_000): ReadinessCheck {
  return {
    name: 'outbox',
    check() {
      const { depth, oldestDue, lastError } = outbox.dueBacklog(now());
      if (oldestDue === null || now() - oldestDue <= maxAgeMs) return undefined;
      const minutes = Math.round((now() - oldestDue) / 60_000);
      return `outbox stuck: ${depth} effects due, the oldest for ${minutes} min${lastError ? ` (last error: ${lastError.slice(0, 200)})` : ''}`;
    },
    details() {
      const dead = outbox.deadCount();
      const oldest = dead > 0 ? outbox.oldestDead() : null;
      return {
        dead_effects: dead,
        ...(oldest && {
          oldest_dead: {
            id: oldest.id,
            kind: oldest.kind,
            incident_id: oldest.incidentId,
            created_at: new Date(oldest.createdAt).toISOString(),
          },
        }),
      };
    },
  };
}
