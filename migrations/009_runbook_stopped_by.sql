-- Who asked a run to stop. Written when the stop is asked for, before anything is aborted, and
-- read by the runner before each step: a stop that arrives while a run is starting (or between
-- two steps) still wins, and the record says whose it was.
ALTER TABLE runbook_runs ADD COLUMN stopped_by TEXT;
