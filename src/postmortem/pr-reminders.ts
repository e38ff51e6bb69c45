import type { Db } from '../db/open.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { GitHubClient } from './github-client.ts';

/** The outbox effect that reminds an incident's commander of its report pull request (the Slack edge posts it). */
export const PR_REMINDER_EFFECT = 'postmortem.pr_reminder';

const DAY_MS = 24 * 3_600_000;
/** At most this many reminders are queued per tick; the rest are due at the next one. */
const BATCH = 100;

/** What the reminder needs, as queued: where to post, whom to mention, which pull request to ask about. */
export interface PrReminderPayload {
  [key: string]: unknown;
  incidentId: number;
  channel: string;
  /** The commander when the reminder was queued (null: nobody holds the role, nobody is mentioned). */
  commander: string | null;
  prNumber: number;
  prUrl: string | null;
  /** A private incident's pull request is in `postmortem.private_repo`, never the ordinary repository. */
  private: boolean;
  days: number;
}

interface DueRow {
  incidentId: number;
  channel: string;
  commander: string | null;
  prNumber: number;
  prUrl: string | null;
  isPrivate: 0 | 1;
}

/** SQL of the reminders: which resolved incidents' pull requests are due, and the claim of each. */
export class PrReminderRepository {
  private readonly stmt;
  constructor(db: Db) {
    this.stmt = {
      // Counted from the later of the resolution and the report's last publication: a redraft after
      // the incident was resolved restarts the wait for review.
      due: db.prepare(`SELECT i.id AS incidentId, i.channel_id AS channel, r.user_id AS commander,
          p.pr_number AS prNumber, p.pr_url AS prUrl, i.is_private AS isPrivate
        FROM postmortems p
        JOIN incidents i ON i.id = p.incident_id
        LEFT JOIN incident_roles r ON r.incident_id = i.id AND r.role = 'commander'
        LEFT JOIN pr_reminders d ON d.incident_id = i.id
        WHERE p.pr_number IS NOT NULL AND i.status = 'resolved' AND i.channel_id IS NOT NULL
          AND d.incident_id IS NULL AND i.resolved_at <= @before AND coalesce(p.published_at, 0) <= @before
        ORDER BY i.id LIMIT ${BATCH}`),
      claim: db.prepare(
        'INSERT INTO pr_reminders (incident_id, pr_number, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
    };
  }
  /** Resolved incidents whose report pull request was opened (or redrafted) at or before `before`, not yet reminded. */
  due(before: number): DueRow[] {
    return this.stmt.due.all({ before }) as DueRow[];
  }
  claim(incidentId: number, prNumber: number, at: number): boolean {
    return this.stmt.claim.run(incidentId, prNumber, at).changes > 0;
  }
}

/**
 * After resolution, a report pull request still open `postmortem.remind_open_pr_days` days on: the
 * commander is reminded in the channel (issue 19, item 2). Each incident is claimed in the transaction
 * that queues its reminder, so the reminder tick may run as often as it likes, across restarts, and
 * reminds once. Whether the pull request is still open is asked of GitHub when the reminder is delivered.
 */
export class PrReminders {
  private readonly repo;
  constructor(
    private readonly deps: {
      db: Db;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      /** `postmortem.remind_open_pr_days`; unset, nobody is reminded. */
      days: number | undefined;
      now: () => number;
      onEnqueued?: () => void;
    },
  ) {
    this.repo = new PrReminderRepository(deps.db);
  }

  /** The tick: queues the reminders that are due; returns how many. */
  runOnce(): number {
    const { days, now, db, outbox } = this.deps;
    if (!days) return 0;
    const at = now();
    const queued = db.transaction(() => {
      let n = 0;
      for (const row of this.repo.due(at - days * DAY_MS)) {
        if (!this.repo.claim(row.incidentId, row.prNumber, at)) continue;
        const payload: PrReminderPayload = {
          incidentId: row.incidentId,
          channel: row.channel,
          commander: row.commander,
          prNumber: row.prNumber,
          prUrl: row.prUrl,
          private: row.isPrivate === 1,
          days,
        };
        outbox.enqueue(
          {
            kind: PR_REMINDER_EFFECT,
            orderingKey: `incident:${row.incidentId}:pr-reminder`,
            incidentId: row.incidentId,
            payload,
            idempotencyKey: `pr-reminder:${row.incidentId}`,
          },
          at,
        );
        n++;
      }
      return n;
    })();
    if (queued > 0) this.deps.onEnqueued?.();
    return queued;
  }
}

type Repo = { owner: string; name: string };

/**
 * Whether the pull request is still open, as GitHub says now (merged or closed: not). Null when it
 * cannot be asked (no GitHub, or a private incident with no private repository).
 */
export function pullRequestOpen(deps: {
  github: GitHubClient | undefined;
  repo: Repo | undefined;
  privateRepo?: Repo;
}) {
  return async (p: Pick<PrReminderPayload, 'prNumber' | 'private'>): Promise<boolean | null> => {
    const home = p.private ? deps.privateRepo : deps.repo;
    if (!deps.github || !home) return null;
    const { data } = await (
      await deps.github()
    ).rest.pulls.get({ owner: home.owner, repo: home.name, pull_number: p.prNumber });
    return data.state === 'open' && data.merged !== true;
  };
}
