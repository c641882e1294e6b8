-- 0005: a per-user session generation. A session remembers the generation it
-- was made with; logging out (or disabling the user) bumps it, so a copy of a
-- session cookie taken before no longer works.

ALTER TABLE users ADD COLUMN session_gen BIGINT NOT NULL DEFAULT 0;
