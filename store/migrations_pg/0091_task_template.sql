-- 0091: the script template a task was created with. query_task_info does not
-- return it, so the task page's overview shows what dialdesk recorded when it
-- created the task: the template's id, its name then, and how many opening
-- recordings it had (for the players, streamed by /templates/{id}/audio/{n}).
ALTER TABLE task_call_settings ADD COLUMN template_id TEXT NOT NULL DEFAULT '';
ALTER TABLE task_call_settings ADD COLUMN template_name TEXT NOT NULL DEFAULT '';
ALTER TABLE task_call_settings ADD COLUMN template_audio BIGINT  NOT NULL DEFAULT 0;
