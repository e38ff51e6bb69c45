-- Written and emptied again in one transaction to learn whether the database can take a write
-- again after a storage error (disk full, I/O error, locked). Its row carries a few pages of
-- padding, so the probe needs room as a real change would; it holds no incident data.
CREATE TABLE storage_probe (
  id INTEGER PRIMARY KEY,
  probed_at INTEGER NOT NULL,
  pad BLOB NOT NULL
);
