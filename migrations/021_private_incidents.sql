-- Private incidents (issue 23): a security incident's channel is private, it is listed only to the
-- people in it, and nothing of it reaches the status page unless the commander confirms publishing.
ALTER TABLE incidents ADD COLUMN is_private INTEGER NOT NULL DEFAULT 0;
