-- 0001: dialdesk's own users and the audit log.
-- Times are Unix milliseconds (BIGINT) so the SQL stays portable to PostgreSQL.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'supervisor')),
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT  NOT NULL
);

-- audit: who did what, when, to which task, and what the platform answered.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY,
	at       BIGINT NOT NULL,
	username TEXT   NOT NULL,
	task_id  TEXT   NOT NULL DEFAULT '',
	action   TEXT   NOT NULL,
	detail   TEXT   NOT NULL DEFAULT '',
	answer   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_task ON audit (task_id, at);
