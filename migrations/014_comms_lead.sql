-- The comms lead follows an on-call schedule for the incident's whole life (issue 25): which schedule
-- (chosen when the incident opens: per paging service, else the default), who it named when last looked
-- at (a change of shift is noticed by comparing), when to look next, whom the role was offered to at the
-- last change (only they may accept), and the pinned message with the comms lead's duties (edited in place).
ALTER TABLE incidents ADD COLUMN service_id TEXT;
ALTER TABLE incidents ADD COLUMN comms_schedule TEXT;
ALTER TABLE incidents ADD COLUMN comms_on_call TEXT;
ALTER TABLE incidents ADD COLUMN shift_check_at INTEGER;
ALTER TABLE incidents ADD COLUMN comms_offer_to TEXT;
ALTER TABLE incidents ADD COLUMN duties_ts TEXT;
CREATE INDEX incidents_shift_check ON incidents (shift_check_at) WHERE status <> 'resolved';
