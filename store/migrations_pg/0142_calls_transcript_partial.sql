-- 0142: the index on transcript_state held every call, though its queries
-- look for two states only: calls whose record_info is to be fetched (1: the
-- fetcher's list, newest first, and the count per task on the sync page)
-- and calls whose turns are stored (2: retention, oldest first). Most calls
-- are never answered and are in none of these (state 0); a call is to be
-- fetched only for a while. The queries name the state as a literal, so
-- that they read these partial indexes.
DROP INDEX IF EXISTS calls_transcript;
CREATE INDEX calls_to_fetch ON calls (start_at) WHERE transcript_state = 1;
CREATE INDEX calls_to_fetch_task ON calls (task_id) WHERE transcript_state = 1;
CREATE INDEX calls_turns_stored ON calls (start_at) WHERE transcript_state = 2;
