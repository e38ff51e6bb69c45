-- Several replicas may share one database, each with an outbox worker: a row is claimed before its
-- delivery, by one replica (`claimed_by`, its id) until `lease_until` (ms). A replica that died
-- mid-delivery leaves its claim behind; another takes the row over once the lease has passed. The
-- heads are found by key as before and only the head row's claim is read, so no index is needed.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
