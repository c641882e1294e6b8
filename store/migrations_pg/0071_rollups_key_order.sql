-- 0071: on SQLite, call_rollups and call_rollups_all are rebuilt WITHOUT
-- ROWID (stored in their keys' order). PostgreSQL has no such storage; the
-- primary keys of 0050 and 0070 already serve the same range reads.
SELECT 1;
