-- One run of a runbook from an incident channel: which version (file sha) with which parameters,
-- who asked, where it is. A run survives a restart as a record; an interrupted run is never
-- resumed by itself (its steps may not be safe to repeat).
CREATE TABLE runbook_runs (
  id            INTEGER PRIMARY KEY,
  incident_id   INTEGER NOT NULL REFERENCES incidents (id),
  runbook       TEXT    NOT NULL,
  version       TEXT    NOT NULL,
  sha           TEXT    NOT NULL,
  params        TEXT    NOT NULL,        -- JSON object of validated values
  dry_run       INTEGER NOT NULL DEFAULT 0,
  requested_by  TEXT    NOT NULL,
  status        TEXT    NOT NULL,        -- running | awaiting_approval | succeeded | failed | rejected | killed | interrupted
  next_step     INTEGER NOT NULL DEFAULT 0,
  thread_ts     TEXT,                    -- the Slack message the run's output is threaded under
  created_at    INTEGER NOT NULL,
  finished_at   INTEGER
);
CREATE INDEX runbook_runs_active ON runbook_runs (status, incident_id, runbook);

-- Each step as it ran: full output (up to the configured cap) lives here, not in the timeline.
CREATE TABLE runbook_steps (
  run_id        INTEGER NOT NULL REFERENCES runbook_runs (id),
  idx           INTEGER NOT NULL,
  name          TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  status        TEXT    NOT NULL,        -- succeeded | failed | timed_out | killed | skipped | shown
  exit_code     INTEGER,
  duration_ms   INTEGER,
  output        TEXT    NOT NULL DEFAULT '',
  truncated     INTEGER NOT NULL DEFAULT 0,
  approved_by   TEXT,
  started_at    INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
);
