-- Who did what, when and from where, for every privileged or public act (role grants, permission
-- refusals, runbook runs, approvals and stops, public updates, forced postmortems, outbox retries).
-- Append-only: rows are never changed (the trigger refuses), only pruned after
-- `audit.retention_days`. `via` is where the act came from: slack, pagerduty, cli or automation;
-- `actor` the Slack user, PagerDuty user or operating-system user (NULL for automation).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  actor TEXT,
  via TEXT NOT NULL CHECK (via IN ('slack', 'pagerduty', 'cli', 'automation')),
  incident_id INTEGER,
  detail TEXT NOT NULL DEFAULT '{}',
  request_id TEXT,
  event_id TEXT,
  trace_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
