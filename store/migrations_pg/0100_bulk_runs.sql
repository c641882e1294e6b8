-- 0100: bulk actions on tasks (pause, resume or end many at once). A run is
-- keyed by the confirmation form's one-time token, so a second submit of the
-- same form acts nothing again and shows the first one's outcome.

CREATE TABLE bulk_runs (
    token      TEXT   PRIMARY KEY,
    username   TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    done_at    BIGINT NOT NULL DEFAULT 0,
    results    TEXT   NOT NULL DEFAULT '[]' -- JSON: [{task_id, name, outcome, code}]
);
