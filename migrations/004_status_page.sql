-- Components an incident affects, and how badly (its latest word on each). A component's public
-- status is derived: the worst status among published, unresolved incidents, else operational.
CREATE TABLE incident_components (
  incident_id  INTEGER NOT NULL REFERENCES incidents (id),
  component_id TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (incident_id, component_id)
);

-- What each update said about components: [{ "id", "old", "new" }].
ALTER TABLE incident_updates ADD COLUMN components TEXT NOT NULL DEFAULT '[]';

-- Set by the first public update; an incident without it never appears on the status page.
ALTER TABLE incidents ADD COLUMN public_at INTEGER;
-- The incident's id on Atlassian Statuspage, once mirrored.
ALTER TABLE incidents ADD COLUMN statuspage_id TEXT;
CREATE INDEX incidents_public ON incidents (public_at) WHERE public_at IS NOT NULL;
