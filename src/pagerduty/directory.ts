import type { Db } from '../db/open.ts';

export interface DirectoryEntry {
  name: string | null;
  email: string | null;
  slackUserId: string | null;
  resolvedAt: number;
}

/** Cache of PagerDuty user → Slack user, so a storm of pages for the same people costs one lookup each. */
export class DirectoryRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      get: db.prepare(`SELECT name, email, slack_user_id AS slackUserId, resolved_at AS resolvedAt
        FROM directory WHERE source = ? AND external_id = ?`),
      put: db.prepare(`INSERT INTO directory (source, external_id, name, email, slack_user_id, resolved_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (source, external_id) DO UPDATE SET name = excluded.name, email = excluded.email,
          slack_user_id = excluded.slack_user_id, resolved_at = excluded.resolved_at`),
    };
  }

  get(source: string, externalId: string): DirectoryEntry | undefined {
    return this.stmt.get.get(source, externalId) as DirectoryEntry | undefined;
  }

  put(source: string, externalId: string, entry: DirectoryEntry): void {
    this.stmt.put.run(source, externalId, entry.name, entry.email, entry.slackUserId, entry.resolvedAt);
  }
}
