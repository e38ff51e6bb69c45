-- Automations (issue 19): each firing of an automation for an event, recorded in the transaction of
-- the event itself. The unique key (automation, incident, event) is what makes a firing happen once
-- across redeliveries and crashes: a second attempt to record it inserts nothing and does nothing.
CREATE TABLE automation_firings (
  id INTEGER PRIMARY KEY,
  automation TEXT NOT NULL,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  event_key TEXT NOT NULL,
  event TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('on', 'dry-run')),
  reason TEXT NOT NULL,
  actions TEXT NOT NULL,
  at INTEGER NOT NULL,
  -- The run an automation's runbook action started, written in the run's own transaction: a delivery
  -- retried after a crash finds it and starts nothing more.
  run_id INTEGER,
  UNIQUE (automation, incident_id, event_key)
);
CREATE INDEX automation_firings_incident ON automation_firings (incident_id, at);

-- `/incident automations off`: no automation fires for this incident until `on`.
CREATE TABLE automation_pauses (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
  paused_by TEXT NOT NULL,
  paused_at INTEGER NOT NULL
);
