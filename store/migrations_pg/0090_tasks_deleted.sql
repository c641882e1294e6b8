-- 0090: remember that a task was deleted, so the task list's "all statuses"
-- can leave deleted tasks out without asking the platform about every task.
-- 0 while the task is not known to be deleted; else when dialdesk deleted it
-- or first saw it deleted (task_status -1).
ALTER TABLE tasks ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
