-- What caused each side effect, so its delivery (even after a restart, or from another replica)
-- continues the trace of the request behind it and its log lines name that request: the W3C
-- `traceparent` of the change that queued it (NULL when tracing was off), and the cause as JSON
-- ({"source":…, "event_id":…, "request_id":…}; NULL for rows from before).
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
ALTER TABLE outbox ADD COLUMN cause TEXT;
