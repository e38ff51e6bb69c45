-- Each change of a component's public status (what /status and components.json showed), when it
-- happened: the source of the 90-day bars and uptime. Written after every committed change that
-- may move one (public updates, resolutions, maintenance steps); a row only when the status moved.
CREATE TABLE component_status_history (
  id           INTEGER PRIMARY KEY,
  component_id TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
  at           INTEGER NOT NULL
);
CREATE INDEX component_status_history_by_component ON component_status_history (component_id, at);
