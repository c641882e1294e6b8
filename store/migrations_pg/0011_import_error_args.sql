-- 0011: an import records why it stopped as a code and its arguments (a
-- JSON object), worded by the views in the reader's language. Imports that
-- stopped before keep their words in error_zh / error_en.
ALTER TABLE imports ADD COLUMN error_args TEXT NOT NULL DEFAULT '';
