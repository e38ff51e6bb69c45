-- What the insights read of each incident's timeline (issue 22: `/incident stats` and the insights
-- export read every event of every incident in the period, and grew faster than the incidents).
-- One row per incident that has a timeline, updated in the transaction that appends each event
-- (src/insights/incident-tally.ts says what each column holds). Incidents whose timeline was written
-- before this table are marked stale here and counted from their timeline by the bot at start.
CREATE TABLE incident_tallies (
  incident_id       INTEGER PRIMARY KEY REFERENCES incidents (id),
  stale             INTEGER NOT NULL DEFAULT 0,
  acknowledged_at   INTEGER,
  mitigated_at      INTEGER,
  first_resolved_at INTEGER,
  last_resolved_at  INTEGER,
  paged             INTEGER NOT NULL DEFAULT 0,
  declared_event_at INTEGER,
  declared_in_slack INTEGER NOT NULL DEFAULT 0,
  pager_at          INTEGER,
  pager             TEXT,
  -- JSON arrays: when each page came (ms), and every actor or role holder's name.
  page_times        TEXT    NOT NULL DEFAULT '[]',
  names             TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX incident_tallies_stale ON incident_tallies (incident_id) WHERE stale = 1;
INSERT INTO incident_tallies (incident_id, stale) SELECT DISTINCT incident_id, 1 FROM timeline_events;
