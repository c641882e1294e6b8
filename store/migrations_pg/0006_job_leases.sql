-- 0006: a row per background job (see package jobs): the instance that holds
-- it and until when. A lease is claimed by an upsert that succeeds only when
-- the row is free, expired or already this holder's.

CREATE TABLE job_leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
