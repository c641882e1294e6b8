-- 0130: redials (重呼). A redial calls again numbers of a source task whose
-- last attempt ended in chosen outcomes; it is an import (imports,
-- import_rows …) whose rows come from the source task instead of a file, so
-- its preview, confirm, sending and reports are the import's. token is the
-- form's one-time token: the first submit claims it (import_id 0 until the
-- import exists), a repeated one finds the same import. outcomes is a JSON
-- array of surface B number statuses (docs/platform.md §B.status);
-- by_outcome a JSON object per outcome: numbers picked, on the do-not-call
-- list, already on the destination, and not redialable (masked, no number).
CREATE TABLE redials (
	token           TEXT    PRIMARY KEY,
	import_id       BIGINT  NOT NULL DEFAULT 0,
	source_task_id  TEXT    NOT NULL,
	dest_task_id    TEXT    NOT NULL,
	username        TEXT    NOT NULL,
	outcomes        TEXT    NOT NULL DEFAULT '[]',
	never_connected BIGINT  NOT NULL DEFAULT 0,
	by_outcome      TEXT    NOT NULL DEFAULT '{}',
	created_at      BIGINT  NOT NULL
);
CREATE INDEX redials_import ON redials (import_id);
CREATE INDEX redials_source ON redials (source_task_id, created_at);
CREATE INDEX redials_dest ON redials (dest_task_id, created_at);
