-- Follow-ups opened vs closed (issue 21): the state of each follow-up's GitHub issue, refreshed by a
-- job that asks GitHub at most every few minutes with the ETag of its last answer (a 304 costs no
-- rate limit). closed_at is GitHub's; a reopened issue is open again with no closed_at.
ALTER TABLE followups ADD COLUMN issue_state TEXT CHECK (issue_state IN ('open', 'closed'));
ALTER TABLE followups ADD COLUMN closed_at INTEGER;
ALTER TABLE followups ADD COLUMN issue_etag TEXT;
ALTER TABLE followups ADD COLUMN state_checked_at INTEGER;
-- The refresh reads the open, filed follow-ups checked longest ago.
CREATE INDEX followups_to_check ON followups (state_checked_at)
  WHERE issue_number IS NOT NULL AND closed_at IS NULL;
-- The figures read follow-ups by when they were opened and closed.
CREATE INDEX followups_by_created ON followups (created_at);
CREATE INDEX followups_by_closed ON followups (closed_at) WHERE closed_at IS NOT NULL;

-- The monthly insights summary: one row per month, claimed in the transaction that queues the post,
-- so a restart or a second tick never posts the same month twice.
CREATE TABLE insights_summaries (
  month       TEXT    PRIMARY KEY,
  channel     TEXT    NOT NULL,
  claimed_at  INTEGER NOT NULL
);
