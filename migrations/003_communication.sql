-- Status updates, internal and (from the status page issue on) public. Corrections are new rows.
CREATE TABLE incident_updates (
  id          INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  at          INTEGER NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  body        TEXT    NOT NULL,
  author      TEXT,
  public      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, at);

-- The communication rhythm lives in the database so a restart neither loses nor repeats a reminder.
ALTER TABLE incidents ADD COLUMN last_update_at INTEGER;
ALTER TABLE incidents ADD COLUMN update_due_at INTEGER;
ALTER TABLE incidents ADD COLUMN comms_nag_at INTEGER;
CREATE INDEX incidents_due ON incidents (update_due_at) WHERE status <> 'resolved';
