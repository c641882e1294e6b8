-- 0004: calls that reached dialdesk by the platform's push or by the
-- background sync (surface A's detail + msg), dialdesk's own marks on calls
-- (read, reviewed), and pushes that could not be read (dead letters).
-- Times are Unix milliseconds; 0 means "none".

-- calls: one row per platform callid, whatever the number of pushes or syncs.
CREATE TABLE calls (
	call_id     TEXT    PRIMARY KEY,
	task_id     TEXT    NOT NULL DEFAULT '', -- '' until a push URL or the sync names the task
	out_id      TEXT    NOT NULL DEFAULT '',
	tel         TEXT    NOT NULL DEFAULT '', -- as the platform gave it (may be masked)
	caller      TEXT    NOT NULL DEFAULT '', -- digits as a string: leading zeros kept
	status      INTEGER NOT NULL DEFAULT 0,
	intention   TEXT    NOT NULL DEFAULT '', -- intention_name, values joined by U+0001
	start_at    BIGINT  NOT NULL DEFAULT 0,
	answer_at   BIGINT  NOT NULL DEFAULT 0,
	end_at      BIGINT  NOT NULL DEFAULT 0,
	call_ms     BIGINT  NOT NULL DEFAULT 0,
	fee_ms      BIGINT  NOT NULL DEFAULT 0,
	user_msgs   INTEGER NOT NULL DEFAULT 0,
	voice_url   TEXT    NOT NULL DEFAULT '',
	del_flag    INTEGER NOT NULL DEFAULT 1,
	source      TEXT    NOT NULL DEFAULT 'push', -- 'push' or 'sync': how it first arrived
	received_at BIGINT  NOT NULL,
	updated_at  BIGINT  NOT NULL
);
CREATE INDEX calls_task_start ON calls (task_id, start_at);
CREATE INDEX calls_task_out ON calls (task_id, out_id);

-- call_messages: the conversation (msg[]), in the order the platform sent it.
CREATE TABLE call_messages (
	call_id TEXT    NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
	seq     INTEGER NOT NULL,
	sender  INTEGER NOT NULL, -- 0 customer, 1 robot
	content TEXT    NOT NULL DEFAULT '',
	at      BIGINT  NOT NULL DEFAULT 0,
	remark  TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (call_id, seq)
);

-- call_marks: dialdesk's own marks. call_key is the id in the call's URL
-- (surface B record id, or surface A callid/outid).
CREATE TABLE call_marks (
	task_id     TEXT   NOT NULL,
	call_key    TEXT   NOT NULL,
	read_at     BIGINT NOT NULL DEFAULT 0,
	read_by     TEXT   NOT NULL DEFAULT '',
	reviewed_at BIGINT NOT NULL DEFAULT 0,
	reviewed_by TEXT   NOT NULL DEFAULT '',
	PRIMARY KEY (task_id, call_key)
);

-- push_dead_letters: push bodies that were empty or unreadable, kept raw for
-- inspection instead of being dropped.
CREATE TABLE push_dead_letters (
	id          INTEGER PRIMARY KEY,
	received_at BIGINT NOT NULL,
	remote      TEXT   NOT NULL DEFAULT '',
	reason      TEXT   NOT NULL DEFAULT '',
	body        BLOB   NOT NULL
);
CREATE INDEX push_dead_letters_at ON push_dead_letters (received_at);

-- task_call_settings: the settings of a task that the call pages need but
-- query_task_info does not return (number_hide, export_status), recorded
-- when dialdesk creates or edits the task.
CREATE TABLE task_call_settings (
	task_id       TEXT    PRIMARY KEY,
	number_hide   INTEGER NOT NULL DEFAULT 0,
	export_status INTEGER NOT NULL DEFAULT 0,
	updated_at    BIGINT  NOT NULL
);
