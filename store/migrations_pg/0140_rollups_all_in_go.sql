-- 0140: call_rollups_all is written by the store's ingest, in the same
-- transaction and from the same deltas as call_rollups, no longer by a
-- trigger per rollup row (0070's).
DROP TRIGGER IF EXISTS call_rollups_all_sync ON call_rollups;
DROP FUNCTION IF EXISTS call_rollups_all_sync();

-- The index on (dim, hour) served the reads across every task; those read
-- call_rollups_all now, except the per-task totals of "today against the
-- week before" (dim 'all' only): a partial index on those rows alone.
DROP INDEX IF EXISTS call_rollups_dim_hour;
CREATE INDEX call_rollups_all_hour ON call_rollups (hour, task_id) WHERE dim = 'all';
