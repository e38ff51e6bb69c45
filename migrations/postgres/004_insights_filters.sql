-- Insights filtered by severity or service (`/incident stats 30d sev1 checkout`, the page's filters)
-- compare them in the query (issue 22): these indexes let a narrow filter read only the incidents it
-- selects, not every incident of the period. Services compare without case, and an incident without
-- one counts as '(none)' (NO_SERVICE in src/insights/figures.ts): the index holds that very expression.
-- As SQLite's lower(), PostgreSQL's folds ASCII letters only under the column's "C" collation.
CREATE INDEX incidents_severity_declared_at ON incidents (severity, declared_at);
CREATE INDEX incidents_service_declared_at ON incidents (lower(COALESCE(service_name, '(none)')), declared_at);
