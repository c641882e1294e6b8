-- 0010: the audit log records an action code and its arguments (a JSON
-- object) instead of a sentence. Entries written before keep their detail
-- and an empty args, and are shown as recorded.
ALTER TABLE audit ADD COLUMN args TEXT NOT NULL DEFAULT '';
