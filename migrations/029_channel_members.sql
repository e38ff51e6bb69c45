-- Who is in each incident's channel (issue 23): a private incident is listed (Home tab, /incident list)
-- to the people in its channel as well as to its declarer, role holders and admins. Kept from the
-- chat's join and leave events and from the bot's own invites. A row stays when its person leaves
-- (member = 0), so that a join told late, dated before the leave, cannot bring them back.
CREATE TABLE channel_members (
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  user_id TEXT NOT NULL,
  member INTEGER NOT NULL,
  -- When the chat says the change happened (ms); the bot's own invites keep the last date told.
  changed_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, user_id)
);
