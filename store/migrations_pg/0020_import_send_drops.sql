-- 0020: rows an import drops while it is sent (store.DropRows), counted apart
-- from what the file's reading found: numbers put on the do-not-call list
-- after the confirm (filtered at send time), and rows the platform refused.
-- Both leave import_rows for import_rejects, and n_valid counts them no more.
ALTER TABLE imports ADD COLUMN n_filtered_late BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN n_refused BIGINT  NOT NULL DEFAULT 0;
