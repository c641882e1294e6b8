-- 0140: call_rollups_all is written by the store's ingest, in the same
-- transaction and from the same deltas as call_rollups (a batch's changes
-- folded in memory, each key written once), no longer by a trigger per
-- rollup row: the triggers cost an upsert for every row the ingest wrote,
-- and the store is to run on PostgreSQL too.
DROP TRIGGER IF EXISTS call_rollups_all_ins;
DROP TRIGGER IF EXISTS call_rollups_all_del;
DROP TRIGGER IF EXISTS call_rollups_all_upd;

-- The index on (dim, hour) served the reads across every task; those read
-- call_rollups_all now, except the per-task totals of "today against the
-- week before" (dim 'all' only). A partial index on those rows alone is a
-- twelfth of the size and of the writes.
DROP INDEX IF EXISTS call_rollups_dim_hour;
CREATE INDEX call_rollups_all_hour ON call_rollups (hour, task_id) WHERE dim = 'all';
