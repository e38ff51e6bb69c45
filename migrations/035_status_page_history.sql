-- The status page reads a bounded part of its history (the open incidents, a page of past ones, the
-- feed's latest updates), but with a long history some of those reads walked all of it (issue 22,
-- `npm run bench -- status-page-history`): the open ones were found by walking every incident newest
-- first, the feed sorted every public update, a page of past incidents walked the unpublished ones
-- too, and their count read each one's row.
-- The open public incidents, newest first: as many entries as there are open ones.
CREATE INDEX incidents_public_open ON incidents (declared_at) WHERE public_at IS NOT NULL AND status <> 'resolved';
-- The feed's latest public updates, newest first: the walk stops at the feed's length.
CREATE INDEX incident_updates_public_recent ON incident_updates (at, id) WHERE public = 1;
-- Published incidents newest first (the id orders those declared in the same millisecond), and their
-- count in the window from the index alone (resolved_at and public_at are in it for that). It takes
-- the place of incidents_public, on public_at alone, which no statement orders by; that one is
-- dropped last, once this one is built: dropping an index locks its table against readers too.
CREATE INDEX incidents_published ON incidents (declared_at, id, resolved_at, public_at) WHERE public_at IS NOT NULL;
DROP INDEX incidents_public;
