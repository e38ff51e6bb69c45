-- Insights (issue 21) read every incident that started in a range, with its timeline: without this
-- index that is a scan of the whole incidents table on every /incident stats and /insights request.
CREATE INDEX incidents_declared_at ON incidents (declared_at);
