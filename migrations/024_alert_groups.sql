-- Alerts from a monitoring system's notifier (issue 19): the alert group (its group key) that opened
-- an incident, so that a later notification of the same group joins that incident while it is open,
-- and a group that fires again after its incident was resolved opens a new one.
CREATE TABLE alert_groups (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
  group_key   TEXT    NOT NULL,
  opened_at   INTEGER NOT NULL
);
CREATE INDEX alert_groups_by_key ON alert_groups (group_key, incident_id);

-- Each alert of an incident's group (by its fingerprint) and the status last heard, so that a repeat
-- of the group notes only what changed: an alert that is new, fires again, or resolved.
CREATE TABLE alert_group_alerts (
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  fingerprint TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (incident_id, fingerprint)
);
