-- 0031: a create-task form whose add_task answer was lost (timeout, connection
-- reset after sending): the platform may hold the task or not. The token
-- stays claimed (no second task by a plain resubmit); lost_at says the next
-- submit of that form may take it over, after looking for the task by name.

ALTER TABLE form_tokens ADD COLUMN lost_at BIGINT NOT NULL DEFAULT 0;
