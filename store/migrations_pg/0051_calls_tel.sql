-- 0051: find a task's earlier calls to the same number, so that a call that
-- arrives without the callee's province, city and operator (surface A, an
-- unanswered attempt) takes them from one that had them (surface B).
CREATE INDEX calls_task_tel ON calls (task_id, tel);
