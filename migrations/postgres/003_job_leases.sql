-- PostgreSQL twin of migrations/033_job_leases.sql (same tables and columns; BIGINT for integers).
-- Several replicas may share one database (issue 17). Each runs the same scheduled jobs; a job's round
-- runs on the replica that holds its lease (src/scheduler/job-lease.ts). A lease is taken when free,
-- expired or already the holder's; a replica that stops releases its leases, a dead one's run out.
CREATE TABLE job_leases (
  job          TEXT COLLATE "C"    PRIMARY KEY,
  holder       TEXT COLLATE "C"    NOT NULL,   -- the replica's id (host:pid:random)
  lease_until  BIGINT  NOT NULL    -- ms since the epoch
);

-- Every replica's heartbeat, refreshed every 10 s: a runbook run whose runner has been silent longer
-- than the bound in src/runbooks/runner.ts is marked interrupted by whichever replica notices.
CREATE TABLE replicas (
  id       TEXT COLLATE "C"    PRIMARY KEY,
  seen_at  BIGINT  NOT NULL
);

-- The replica executing a run; NULL for runs recorded before replicas existed (treated as orphaned).
ALTER TABLE runbook_runs ADD COLUMN runner TEXT COLLATE "C";
