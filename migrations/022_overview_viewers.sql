-- The Home tab (issue 23): who has looked at the overview of open incidents, and when last, so that a
-- change to the incidents refreshes it for them (and only them) through the outbox.
CREATE TABLE overview_viewers (
  user_id TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
);
CREATE INDEX overview_viewers_seen ON overview_viewers (seen_at);
