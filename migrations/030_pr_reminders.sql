-- A resolved incident's report pull request still open N days after it was opened (issue 19,
-- `postmortem.remind_open_pr_days`): the commander is reminded once. The row is claimed in the
-- transaction that queues the reminder, so a second tick or a restart never reminds twice.
CREATE TABLE pr_reminders (
  incident_id  INTEGER PRIMARY KEY REFERENCES incidents (id),
  pr_number    INTEGER NOT NULL,
  claimed_at   INTEGER NOT NULL
);
