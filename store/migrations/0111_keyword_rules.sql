-- 0111: keyword rules (质检规则) and their hits. A rule flags the calls
-- whose turns contain any of its words; the store checks every call whose
-- turns it writes (same transaction), and a rule created or changed is
-- checked again over the stored calls of its scope by a background job
-- (recheck_* say how far it got).
CREATE TABLE keyword_rules (
	id             INTEGER PRIMARY KEY,
	name           TEXT    NOT NULL,
	words          TEXT    NOT NULL DEFAULT '[]', -- JSON array of words or phrases (any of)
	speaker        INTEGER NOT NULL DEFAULT 0,    -- 0 anyone, 1 robot, 2 customer
	task_id        TEXT    NOT NULL DEFAULT '',   -- '' every task
	severity       INTEGER NOT NULL DEFAULT 1,    -- 1 low, 2 medium, 3 high
	color          TEXT    NOT NULL DEFAULT '',   -- one of the palette's hex colors
	created_at     BIGINT  NOT NULL,
	updated_at     BIGINT  NOT NULL,
	updated_by     TEXT    NOT NULL DEFAULT '',
	recheck_state  INTEGER NOT NULL DEFAULT 0,    -- 0 done, 1 to do
	recheck_cursor BIGINT  NOT NULL DEFAULT -1,   -- last search_docs.doc checked
	recheck_done   BIGINT  NOT NULL DEFAULT 0,
	recheck_total  BIGINT  NOT NULL DEFAULT 0
);

-- rule_hits: one row per occurrence (rule, call, turn, position); task_id
-- and start_at copied from the call for the per-day figures.
CREATE TABLE rule_hits (
	rule_id  BIGINT  NOT NULL,
	call_id  TEXT    NOT NULL,
	seq      INTEGER NOT NULL, -- call_messages.seq of the turn
	pos      INTEGER NOT NULL, -- characters before the word in the turn
	word     TEXT    NOT NULL,
	task_id  TEXT    NOT NULL DEFAULT '',
	start_at BIGINT  NOT NULL DEFAULT 0,
	PRIMARY KEY (rule_id, call_id, seq, pos)
);
CREATE INDEX rule_hits_call ON rule_hits (call_id);
CREATE INDEX rule_hits_rule_start ON rule_hits (rule_id, start_at);
