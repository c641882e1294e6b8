-- 0141: two of the calls' indexes keep only the rows their queries look
-- for. record_id is '' on every call surface B has not described (all of
-- them on a platform without surface B), and a region is looked for only
-- among calls that have one; every call the ingest writes paid for an
-- entry in each. The queries say the same conditions (record_id <> '',
-- province <> ''), so they read these indexes.
DROP INDEX IF EXISTS calls_record;
CREATE INDEX calls_record ON calls (record_id) WHERE record_id <> '';
DROP INDEX IF EXISTS calls_task_tel;
CREATE INDEX calls_task_tel ON calls (task_id, tel) WHERE province <> '';
