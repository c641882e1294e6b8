-- 0002: the task list's memory and idempotent task creation.
--
-- query_task only lists unfinished tasks, so dialdesk remembers every task id it
-- has seen (in query_task answers) or created (add_task), so that finished tasks
-- stay listed. task_id is the platform's id (shared by surfaces A and B).
CREATE TABLE tasks (
	task_id    TEXT   PRIMARY KEY,
	name       TEXT   NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL, -- when the task was created (or first seen, if we did not create it)
	created_by TEXT   NOT NULL DEFAULT '', -- dialdesk user who created it; '' when only seen
	seen_at    BIGINT NOT NULL  -- last time the platform listed it
);
CREATE INDEX tasks_created ON tasks (created_at);

-- form_tokens makes "create task" idempotent: the form carries a random token,
-- the first POST claims it; a repeated POST (double click, retry) finds the
-- task id already recorded and redirects there instead of creating a second task.
CREATE TABLE form_tokens (
	token      TEXT   PRIMARY KEY,
	task_id    TEXT   NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
