-- Every external incident (e.g. each PagerDuty incident) that belongs to one of ours. Several may
-- point at one incident: a second page with the same dedup key joins the open incident.
CREATE TABLE incident_links (
  source      TEXT    NOT NULL,
  external_id TEXT    NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  html_url    TEXT,
  linked_at   INTEGER NOT NULL,
  PRIMARY KEY (source, external_id)
);
CREATE INDEX incident_links_by_incident ON incident_links (incident_id);

ALTER TABLE incidents ADD COLUMN dedup_key TEXT;
ALTER TABLE incidents ADD COLUMN service_name TEXT;
ALTER TABLE incidents ADD COLUMN external_url TEXT;
CREATE INDEX incidents_open_dedup ON incidents (source, dedup_key) WHERE status <> 'resolved' AND dedup_key IS NOT NULL;

-- External user → Slack user, cached so an alert storm does not repeat the same lookups.
CREATE TABLE directory (
  source        TEXT    NOT NULL,
  external_id   TEXT    NOT NULL,
  name          TEXT,
  email         TEXT,
  slack_user_id TEXT,
  resolved_at   INTEGER NOT NULL,
  PRIMARY KEY (source, external_id)
);

-- Where each rotation (e.g. the comms lead rotation) stands, so it is fair across restarts.
CREATE TABLE rotations (
  name     TEXT    PRIMARY KEY,
  position INTEGER NOT NULL
);
