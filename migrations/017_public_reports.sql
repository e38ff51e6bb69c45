-- The public post-incident report: the sections customers may read (Summary, Who was affected,
-- What happened from public updates only, What we're doing), stored as they were published, so the
-- page shows exactly what was previewed or merged. Published once per incident.
CREATE TABLE public_reports (
  incident_id  INTEGER PRIMARY KEY REFERENCES incidents (id),
  content      TEXT    NOT NULL,
  published_at INTEGER NOT NULL,
  -- Who confirmed the preview (a chat user), or null when the merged pull request published it.
  published_by TEXT,
  via          TEXT    NOT NULL CHECK (via IN ('command', 'merge'))
);
CREATE INDEX public_reports_recent ON public_reports (published_at);
