-- Incidents: one row per incident, whatever declared it (Slack, PagerDuty).
CREATE TABLE incidents (
  id              INTEGER PRIMARY KEY,
  title           TEXT    NOT NULL,
  description     TEXT,
  severity        TEXT    NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
  status          TEXT    NOT NULL DEFAULT 'investigating'
                          CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  source          TEXT    NOT NULL,
  external_id     TEXT,
  declared_by     TEXT    NOT NULL,
  declared_at     INTEGER NOT NULL,
  acknowledged_at INTEGER,
  mitigated_at    INTEGER,
  resolved_at     INTEGER,
  -- Written back by the outbox worker once Slack has answered.
  channel_id      TEXT,
  channel_name    TEXT,
  summary_ts      TEXT,
  updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX incidents_external ON incidents (source, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX incidents_channel ON incidents (channel_id) WHERE channel_id IS NOT NULL;
CREATE INDEX incidents_open ON incidents (status) WHERE status <> 'resolved';

-- Append-only history of an incident; the source of the postmortem and of MTTA/MTTR.
CREATE TABLE timeline_events (
  id          INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  at          INTEGER NOT NULL,
  kind        TEXT    NOT NULL,
  actor       TEXT,
  body        TEXT,
  data        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_by_incident ON timeline_events (incident_id, at, id);
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline_events
BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline_events
BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END;

-- Who holds which role now; handoffs are recorded in the timeline.
CREATE TABLE incident_roles (
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  role        TEXT    NOT NULL,
  user_id     TEXT    NOT NULL,
  assigned_at INTEGER NOT NULL,
  assigned_by TEXT,
  PRIMARY KEY (incident_id, role)
);

-- Deliveries already seen (webhook event ids, Slack retries): a redelivery is a no-op.
CREATE TABLE inbox (
  source      TEXT    NOT NULL,
  delivery_id TEXT    NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (source, delivery_id)
);

-- Side effects, enqueued in the same transaction as the change that implies them.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  ordering_key    TEXT    NOT NULL,
  incident_id     INTEGER REFERENCES incidents (id),
  kind            TEXT    NOT NULL,
  payload         TEXT    NOT NULL DEFAULT '{}',
  idempotency_key TEXT    NOT NULL UNIQUE,
  state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  available_at    INTEGER NOT NULL,
  last_error      TEXT,
  result          TEXT,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER
);
CREATE INDEX outbox_pending ON outbox (ordering_key, id) WHERE state = 'pending';
