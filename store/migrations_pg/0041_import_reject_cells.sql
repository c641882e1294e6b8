-- 0041: the rejected-rows report gives back every cell of a rejected row
-- under the file's own header, so people fix the rows and upload the report
-- again. cells and header are JSON arrays of strings ('' for imports and
-- rows stored before).

ALTER TABLE import_rejects ADD COLUMN cells TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN header TEXT NOT NULL DEFAULT '';
