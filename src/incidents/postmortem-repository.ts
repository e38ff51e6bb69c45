import type { Db } from '../db/open.ts';

export interface Followup {
  id: number;
  incidentId: number;
  text: string;
  owner: string | null;
  createdBy: string | null;
  createdAt: number;
  issueNumber: number | null;
  issueUrl: string | null;
}

export interface PostmortemRecord {
  incidentId: number;
  branch: string | null;
  path: string | null;
  prNumber: number | null;
  prUrl: string | null;
  lastSha: string | null;
  localPath: string | null;
  publishedAt: number | null;
}

/** All SQL about follow-ups and where each incident's report was published. */
export class PostmortemRepository {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      addFollowup: db.prepare(`INSERT INTO followups (incident_id, text, owner, created_by, created_at)
        VALUES (@incidentId, @text, @owner, @createdBy, @createdAt)`),
      followups:
        db.prepare(`SELECT id, incident_id AS incidentId, text, owner, created_by AS createdBy, created_at AS createdAt,
        issue_number AS issueNumber, issue_url AS issueUrl FROM followups WHERE incident_id = ? ORDER BY id`),
      setIssue: db.prepare('UPDATE followups SET issue_number = ?, issue_url = ? WHERE id = ?'),
      get: db.prepare(`SELECT incident_id AS incidentId, branch, path, pr_number AS prNumber, pr_url AS prUrl, last_sha AS lastSha,
        local_path AS localPath, published_at AS publishedAt FROM postmortems WHERE incident_id = ?`),
      publicDigest: db.prepare('SELECT public_digest FROM postmortems WHERE incident_id = ?').pluck(),
      setPublicDigest: db.prepare('UPDATE postmortems SET public_digest = ? WHERE incident_id = ?'),
      setMergeRefused: db.prepare('UPDATE postmortems SET merge_refused_at = ? WHERE incident_id = ?'),
      // Private incidents' issues live in another repository and count in no figure: never asked about.
      issuesToCheck: db.prepare(`SELECT f.id, f.issue_number AS issueNumber, f.issue_etag AS etag FROM followups f
        JOIN incidents i ON i.id = f.incident_id
        WHERE f.issue_number IS NOT NULL AND f.closed_at IS NULL AND i.is_private = 0
          AND (f.state_checked_at IS NULL OR f.state_checked_at < ?)
        ORDER BY f.state_checked_at, f.id LIMIT ?`),
      setIssueState: db.prepare(`UPDATE followups SET issue_state = @state, closed_at = @closedAt, issue_etag = @etag,
        state_checked_at = @checkedAt WHERE id = @id`),
      touchIssueCheck: db.prepare('UPDATE followups SET state_checked_at = ? WHERE id = ?'),
      save: db.prepare(`INSERT INTO postmortems (incident_id, branch, path, pr_number, pr_url, last_sha, local_path, published_at)
        VALUES (@incidentId, @branch, @path, @prNumber, @prUrl, @lastSha, @localPath, @publishedAt)
        ON CONFLICT (incident_id) DO UPDATE SET branch = excluded.branch, path = excluded.path, pr_number = excluded.pr_number,
          pr_url = excluded.pr_url, last_sha = excluded.last_sha, local_path = excluded.local_path, published_at = excluded.published_at`),
    };
  }

  addFollowup(f: Omit<Followup, 'id' | 'issueNumber' | 'issueUrl'>): number {
    return Number(this.stmt.addFollowup.run(f).lastInsertRowid);
  }

  followups(incidentId: number): Followup[] {
    return this.stmt.followups.all(incidentId) as Followup[];
  }

  setIssue(followupId: number, number: number, url: string): void {
    this.stmt.setIssue.run(number, url, followupId);
  }

  get(incidentId: number): PostmortemRecord | undefined {
    return this.stmt.get.get(incidentId) as PostmortemRecord | undefined;
  }

  save(record: PostmortemRecord): void {
    this.stmt.save.run(record);
  }

  /** The digest of the public text the report's pull request shows (null: it shows none). */
  publicDigest(incidentId: number): string | null {
    return (this.stmt.publicDigest.get(incidentId) as string | null | undefined) ?? null;
  }

  setPublicDigest(incidentId: number, digest: string | null): void {
    this.stmt.setPublicDigest.run(digest, incidentId);
  }

  /** A merge published nothing because the public text changed since the pull request showed it. */
  setMergeRefused(incidentId: number, at: number): void {
    this.stmt.setMergeRefused.run(at, incidentId);
  }

  /** Filed, not-yet-closed follow-ups of ordinary incidents last checked before `before`, least recently checked first. */
  issuesToCheck(before: number, limit: number): { id: number; issueNumber: number; etag: string | null }[] {
    return this.stmt.issuesToCheck.all(before, limit) as { id: number; issueNumber: number; etag: string | null }[];
  }

  /** What GitHub said about a follow-up's issue (closedAt null while it is open). */
  setIssueState(id: number, s: { state: 'open' | 'closed'; closedAt: number | null; etag: string | null }, at: number) {
    this.stmt.setIssueState.run({ id, ...s, checkedAt: at });
  }

  /** Asked, and nothing changed (or GitHub could not say): not asked again until its turn comes round. */
  touchIssueCheck(id: number, at: number): void {
    this.stmt.touchIssueCheck.run(at, id);
  }
}
