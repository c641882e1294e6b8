-- 0003: number list imports and the do-not-call list.
--
-- An upload becomes an import: parsed in the background (state parsing), shown
-- for confirmation (preview), sent in batches (importing), and then done, or
-- failed (the file was refused), canceled, or paused (a batch failed; resumable),
-- or abandoned (the user gave up the unsent rest of a paused or interrupted
-- import: its unsent rows are deleted, its sent and possibly sent rows stay).
-- Its valid rows are stored with their outids, chosen by dialdesk as
-- "<import id>-<row>", BEFORE any batch is sent, so a resumed import re-sends
-- exactly the batches not yet sent, and the platform refuses a repeated outid.
CREATE TABLE imports (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	task_id      TEXT    NOT NULL,
	file_name    TEXT    NOT NULL,
	username     TEXT    NOT NULL,
	state        TEXT    NOT NULL, -- parsing, preview, importing, paused, done, failed, canceled, abandoned
	error_code   TEXT    NOT NULL DEFAULT '', -- why the file was refused or the import paused
	error_zh     TEXT    NOT NULL DEFAULT '',
	error_en     TEXT    NOT NULL DEFAULT '',
	rows_read    INTEGER NOT NULL DEFAULT 0, -- parse progress
	rows_expect  INTEGER NOT NULL DEFAULT 0,
	variables    TEXT    NOT NULL DEFAULT '', -- template variable names, JSON array
	n_rows       INTEGER NOT NULL DEFAULT 0,
	n_valid      INTEGER NOT NULL DEFAULT 0,
	n_invalid    INTEGER NOT NULL DEFAULT 0,
	n_duplicate  INTEGER NOT NULL DEFAULT 0,
	n_existing   INTEGER NOT NULL DEFAULT 0,
	n_filtered   INTEGER NOT NULL DEFAULT 0,
	n_empty      INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT  NOT NULL,
	updated_at   BIGINT  NOT NULL
);
CREATE INDEX imports_task ON imports (task_id, id);

-- The rows to send. outid is unique everywhere: it is the number's key on the platform.
CREATE TABLE import_rows (
	import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	line       INTEGER NOT NULL, -- the row number Excel shows
	task_id    TEXT    NOT NULL,
	phone      TEXT    NOT NULL,
	outid      TEXT    NOT NULL,
	file_outid TEXT    NOT NULL DEFAULT '', -- the file's own outid column, kept for reference
	variables  TEXT    NOT NULL DEFAULT '', -- encoded name^value|name^value
	batch      INTEGER NOT NULL,
	deleted    INTEGER NOT NULL DEFAULT 0, -- removed from the task with delete_task_data
	PRIMARY KEY (import_id, line)
);
CREATE UNIQUE INDEX import_rows_outid ON import_rows (outid);
CREATE INDEX import_rows_task_phone ON import_rows (task_id, phone);

-- The rows not sent, with their reason, for the preview and the report.
CREATE TABLE import_rejects (
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	line      INTEGER NOT NULL,
	raw       TEXT    NOT NULL,
	phone     TEXT    NOT NULL DEFAULT '',
	reason    TEXT    NOT NULL, -- numbers.Reason code
	detail    TEXT    NOT NULL DEFAULT '',
	first     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (import_id, line)
);

-- One row per add_task_data call.
CREATE TABLE import_batches (
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	batch     INTEGER NOT NULL,
	rows      INTEGER NOT NULL,
	state     TEXT    NOT NULL, -- pending, sending, sent, failed, unknown (store/imports.go)
	attempts  INTEGER NOT NULL DEFAULT 0,
	error     TEXT    NOT NULL DEFAULT '',
	sent_at   BIGINT  NOT NULL DEFAULT 0,
	PRIMARY KEY (import_id, batch)
);

-- Numbers never to be sent to any task.
CREATE TABLE do_not_call (
	phone    TEXT   PRIMARY KEY,
	added_by TEXT   NOT NULL,
	added_at BIGINT NOT NULL,
	note     TEXT   NOT NULL DEFAULT ''
);
