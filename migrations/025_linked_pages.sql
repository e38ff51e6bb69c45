-- Pages sent from an incident (issue 19, `/incident page` and the automations' `page` action): each
-- becomes its own incident in the paging system, linked here to ours. Its incident_key is chosen
-- before the request, so a retried request finds the incident an earlier attempt made instead of
-- making a second, and the paging system's webhooks about it are matched to this incident (an
-- acknowledgement invites the responder) rather than opening a new one.
CREATE TABLE linked_pages (
  id             INTEGER PRIMARY KEY,
  incident_id    INTEGER NOT NULL REFERENCES incidents (id),
  source         TEXT    NOT NULL,
  target_kind    TEXT    NOT NULL CHECK (target_kind IN ('service', 'escalation_policy')),
  target_id      TEXT    NOT NULL,
  service_id     TEXT    NOT NULL,
  title          TEXT    NOT NULL,
  requested_by   TEXT,
  requested_at   INTEGER NOT NULL,
  -- What asked for it when a repeat must not page twice (an automation's firing); NULL for a person.
  cause          TEXT,
  incident_key   TEXT    NOT NULL UNIQUE,
  status         TEXT    NOT NULL DEFAULT 'requested'
                 CHECK (status IN ('requested', 'created', 'refused', 'acknowledged', 'resolved')),
  external_id    TEXT,
  external_url   TEXT,
  created_at     INTEGER,
  acknowledged_at INTEGER,
  refusal        TEXT
);
CREATE INDEX linked_pages_by_incident ON linked_pages (incident_id);
CREATE UNIQUE INDEX linked_pages_by_external ON linked_pages (source, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX linked_pages_by_cause ON linked_pages (incident_id, cause) WHERE cause IS NOT NULL;

-- Escalations asked of the paging system, one level at a time: the level is ours to count (the
-- paging system's incident does not say which level it is at), and a level is asked for once per
-- external incident unless the paging system refused it.
CREATE TABLE page_escalations (
  id             INTEGER PRIMARY KEY,
  incident_id    INTEGER NOT NULL REFERENCES incidents (id),
  source         TEXT    NOT NULL,
  external_id    TEXT    NOT NULL,
  level          INTEGER NOT NULL,
  requested_by   TEXT,
  requested_at   INTEGER NOT NULL,
  cause          TEXT,
  status         TEXT    NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'done', 'refused')),
  refusal        TEXT
);
CREATE UNIQUE INDEX page_escalations_level ON page_escalations (incident_id, source, external_id, level)
  WHERE status <> 'refused';
CREATE UNIQUE INDEX page_escalations_by_cause ON page_escalations (incident_id, cause) WHERE cause IS NOT NULL;
