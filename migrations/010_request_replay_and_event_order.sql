-- Signed requests already acted on, by their signature: the same signed request sent again within
-- the signature's validity window (Slack: five minutes) is acknowledged and not acted on, across
-- restarts. Rows are only needed while the signature could still be accepted; the retention job
-- forgets them after that window.
CREATE TABLE seen_requests (
  source    TEXT    NOT NULL,
  signature TEXT    NOT NULL,
  signed_at INTEGER NOT NULL,
  PRIMARY KEY (source, signature)
) WITHOUT ROWID;
CREATE INDEX seen_requests_signed_at ON seen_requests (signed_at);

-- For each incident, the time of the newest event from an external system (e.g. a paging system)
-- applied to each aspect of it (status, acknowledgement, severity, assignees): an older event
-- delivered late (a redelivery, reordering) must not roll that aspect back.
CREATE TABLE incident_external_order (
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  source      TEXT    NOT NULL,
  aspect      TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, source, aspect)
) WITHOUT ROWID;
