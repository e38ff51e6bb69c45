-- Follow-up actions ("what we're doing to make sure it doesn't happen again"), each becoming a
-- GitHub issue once; the issue number is kept so a regenerated report never files it twice.
CREATE TABLE followups (
  id            INTEGER PRIMARY KEY,
  incident_id   INTEGER NOT NULL REFERENCES incidents (id),
  text          TEXT    NOT NULL,
  owner         TEXT,
  created_by    TEXT,
  created_at    INTEGER NOT NULL,
  issue_number  INTEGER,
  issue_url     TEXT
);
CREATE INDEX followups_by_incident ON followups (incident_id, id);

-- Where an incident's report went: the branch, file and pull request, and the blob sha the bot
-- last wrote, so an edit made by a person on GitHub is noticed instead of overwritten.
CREATE TABLE postmortems (
  incident_id  INTEGER PRIMARY KEY REFERENCES incidents (id),
  branch       TEXT,
  path         TEXT,
  pr_number    INTEGER,
  pr_url       TEXT,
  last_sha     TEXT,
  local_path   TEXT,
  published_at INTEGER
);

-- Who was affected, in the team's words (/incident impact).
ALTER TABLE incidents ADD COLUMN customer_impact TEXT;
