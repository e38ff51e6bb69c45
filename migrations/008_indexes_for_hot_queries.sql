-- The worker looks for due heads among pending rows in enqueue order. Without this index that is
-- a scan of the whole table, delivered rows included (kept for outbox.retention_days), on every
-- pump; with it, only the pending rows are read.
CREATE INDEX outbox_pending_id ON outbox (id) WHERE state = 'pending';

-- Every status page request asks whether anything public changed since its cached rendering:
-- three max() lookups that, without these, read every update, incident and component row.
CREATE INDEX incident_updates_public_id ON incident_updates (id) WHERE public = 1;
CREATE INDEX incidents_public_updated ON incidents (updated_at) WHERE public_at IS NOT NULL;
CREATE INDEX incident_components_updated ON incident_components (updated_at);
