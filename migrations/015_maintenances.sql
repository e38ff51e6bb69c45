-- Planned maintenance windows, shown on the status page and in its v2 API as Statuspage's
-- scheduled maintenances. Not incidents: no channel, no roles, no paging. The status is moved by
-- the scheduler from the window's times (scheduled → in_progress → verifying → completed), each
-- step once, so a restart catches up and never repeats one.
CREATE TABLE maintenances (
  id              INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'verifying', 'completed')),
  scheduled_for   INTEGER NOT NULL,
  scheduled_until INTEGER NOT NULL CHECK (scheduled_until > scheduled_for),
  -- Component ids (JSON array of strings), under_maintenance while the window is in progress.
  components      TEXT    NOT NULL DEFAULT '[]',
  created_by      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  started_at      INTEGER,
  completed_at    INTEGER,
  -- Its id on Atlassian Statuspage, once mirrored.
  statuspage_id   TEXT
);
CREATE INDEX maintenances_open ON maintenances (scheduled_for) WHERE status <> 'completed';

-- What the public was told, one row per status step (and any words added): Statuspage's incident_updates.
CREATE TABLE maintenance_updates (
  id             INTEGER PRIMARY KEY,
  maintenance_id INTEGER NOT NULL REFERENCES maintenances (id),
  status         TEXT    NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'verifying', 'completed')),
  body           TEXT    NOT NULL,
  at             INTEGER NOT NULL
);
CREATE INDEX maintenance_updates_by_maintenance ON maintenance_updates (maintenance_id, at);
