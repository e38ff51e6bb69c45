-- Announcements (issue 19, item 4): one summary message per incident in the announcement channel,
-- kept current. The row is written when the incident is first announced (in the change that decides
-- it); what the thread was last told (severity, status, the report's link) is what the next change is
-- compared with; where the summary was posted is written back once it is, so that an edit after a
-- restart finds the same message and a retried post never posts a second one.
CREATE TABLE announcements (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  report_url TEXT,
  announced_at INTEGER NOT NULL,
  channel_id TEXT,
  message_ts TEXT,
  posted_at INTEGER
);
