-- A maintenance window has no Slack channel unless the person scheduling it asks for one
-- (`--channel`, or the form's box): then one is opened through the outbox, like an incident's room,
-- and every status step is posted in it.
ALTER TABLE maintenances ADD COLUMN wants_channel INTEGER NOT NULL DEFAULT 0 CHECK (wants_channel IN (0, 1));
ALTER TABLE maintenances ADD COLUMN channel_id TEXT;
ALTER TABLE maintenances ADD COLUMN channel_name TEXT;
