-- A maintenance window has no Slack channel unless the person scheduling it asks for one
-- (`--channel`, or the form's box): then one is opened through the outbox, like an incident's room,
-- and every status step is posted in it.
ALTER TABLE maintenances ADD COLUMN wants_channel INTEGER NOT NULL DEFAULT 0 CHECK (wants_channel IN (0, 1));
ALTER TABLE maintenances ADD COLUMN channel_id TEXT;
ALTER TABLE maintenances ADD COLUMN channel_name TEXT;

-- What the report's pull request showed would go public (the digest of that text), so a merge
-- publishes only the text the reviewer saw; and when a merge was refused for a changed text (told
-- once in the channel; the preview flow publishes it then).
ALTER TABLE postmortems ADD COLUMN public_digest TEXT;
ALTER TABLE postmortems ADD COLUMN merge_refused_at INTEGER;
