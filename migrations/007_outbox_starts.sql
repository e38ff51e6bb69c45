-- How many deliveries of a row have begun. Written before the API call, so after a crash (or a
-- timeout) the next attempt knows the first one may have happened and looks before it acts.
ALTER TABLE outbox ADD COLUMN starts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_delivered_at ON outbox (delivered_at) WHERE state = 'delivered';

-- Within an ordering key, lower priority goes first, then enqueue order. The rows that open an
-- incident's room (channel, summary, pin) jump ahead of rows already waiting for that room (e.g.
-- an acknowledgement that arrived while the page's people were still being looked up).
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_pending_order ON outbox (ordering_key, priority, id) WHERE state = 'pending';
