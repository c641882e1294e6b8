-- 0050: the call warehouse. Every finished call once (calls, keyed by the
-- platform's call id, with surface B's record fields beside surface A's),
-- its turns (call_messages), rollups per task × UTC hour × dimension kept in
-- the same transaction as each call's upsert, the sync's per-task
-- watermarks, and instance settings (intent levels).

ALTER TABLE calls ADD COLUMN record_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN score BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN level_id BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN level_name TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN level_alias TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN level_color TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';       -- JSON [{id,name,color}]
ALTER TABLE calls ADD COLUMN tag_groups TEXT NOT NULL DEFAULT '[]'; -- JSON [{id,name,color}]
ALTER TABLE calls ADD COLUMN rounds BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN hangup_side BIGINT  NOT NULL DEFAULT 0; -- 0 unknown, 1 robot, 2 customer
ALTER TABLE calls ADD COLUMN gender BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN province TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN operator TEXT NOT NULL DEFAULT ''; -- yd / lt / dx
-- level_key: the level every figure uses: surface B's level name when known,
-- else the first value of surface A's intention_name, else ''.
ALTER TABLE calls ADD COLUMN level_key TEXT NOT NULL DEFAULT '';
-- transcript_state: 0 not needed, 1 to fetch (record_info), 2 stored, 3 failed,
-- 4 stored once and pruned by retention (robot_turns and last_node stay).
ALTER TABLE calls ADD COLUMN transcript_state BIGINT  NOT NULL DEFAULT 0;
-- robot_turns, last_node: what the script funnel needs from the transcript,
-- kept on the call so that rollups stay a function of the calls row alone
-- (and survive the pruning of old transcripts).
ALTER TABLE calls ADD COLUMN robot_turns BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN last_node TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_record ON calls (record_id);
CREATE INDEX calls_transcript ON calls (transcript_state, task_id, start_at);
CREATE INDEX calls_start ON calls (start_at);

ALTER TABLE call_messages ADD COLUMN keyword TEXT NOT NULL DEFAULT '';
ALTER TABLE call_messages ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE call_messages ADD COLUMN turn_score BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE call_messages ADD COLUMN turn_tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE call_messages ADD COLUMN speak_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE call_messages ADD COLUMN play_ms BIGINT NOT NULL DEFAULT 0;

-- call_rollups: per task × hour (Unix ms of the start of the UTC hour of the
-- call's start_at) × dimension value. See the store's warehouse code for the
-- dimensions; always equal to a GROUP BY over calls.
CREATE TABLE call_rollups (
	task_id    TEXT   NOT NULL,
	hour       BIGINT NOT NULL,
	dim        TEXT   NOT NULL,
	val        TEXT   NOT NULL,
	calls      BIGINT NOT NULL DEFAULT 0,
	connected  BIGINT NOT NULL DEFAULT 0,
	talk_ms    BIGINT NOT NULL DEFAULT 0,
	billed_min BIGINT NOT NULL DEFAULT 0,
	rounds     BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (task_id, hour, dim, val)
);
CREATE INDEX call_rollups_dim_hour ON call_rollups (dim, hour);

-- settings: instance-wide choices made by admins (key 'intent_levels').
CREATE TABLE settings (
	key        TEXT   PRIMARY KEY,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

-- warehouse_sync: the surface B sync's state per task; survives restarts.
CREATE TABLE warehouse_sync (
	task_id      TEXT   PRIMARY KEY,
	watermark    BIGINT NOT NULL DEFAULT 0,
	calls_stored BIGINT NOT NULL DEFAULT 0,
	last_run     BIGINT NOT NULL DEFAULT 0,
	last_error   TEXT   NOT NULL DEFAULT '',
	first_seen   BIGINT NOT NULL DEFAULT 0
);
