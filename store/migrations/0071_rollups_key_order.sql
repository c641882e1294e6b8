-- 0071: call_rollups and call_rollups_all stored in their keys' order
-- (WITHOUT ROWID): a range of one task's hours, or of every task's hours of
-- a dimension, is then one sequential read, not a lookup per row through a
-- separate key index (on 2,000,000 calls that was most of a second for one
-- task's month). The tables keep their columns, keys and index; the
-- triggers of 0070 are made again on the rebuilt call_rollups.
CREATE TABLE call_rollups_new (
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
) WITHOUT ROWID;
INSERT INTO call_rollups_new (task_id, hour, dim, val, calls, connected, talk_ms, billed_min, rounds)
	SELECT task_id, hour, dim, val, calls, connected, talk_ms, billed_min, rounds FROM call_rollups;
DROP TABLE call_rollups;
ALTER TABLE call_rollups_new RENAME TO call_rollups;
CREATE INDEX call_rollups_dim_hour ON call_rollups (dim, hour);

CREATE TABLE call_rollups_all_new (
	dim        TEXT   NOT NULL,
	hour       BIGINT NOT NULL,
	val        TEXT   NOT NULL,
	calls      BIGINT NOT NULL DEFAULT 0,
	connected  BIGINT NOT NULL DEFAULT 0,
	talk_ms    BIGINT NOT NULL DEFAULT 0,
	billed_min BIGINT NOT NULL DEFAULT 0,
	rounds     BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, hour, val)
) WITHOUT ROWID;
INSERT INTO call_rollups_all_new (dim, hour, val, calls, connected, talk_ms, billed_min, rounds)
	SELECT dim, hour, val, calls, connected, talk_ms, billed_min, rounds FROM call_rollups_all;
DROP TABLE call_rollups_all;
ALTER TABLE call_rollups_all_new RENAME TO call_rollups_all;
CREATE TRIGGER call_rollups_all_ins AFTER INSERT ON call_rollups WHEN NEW.task_id <> ''
BEGIN
	INSERT INTO call_rollups_all (dim, hour, val, calls, connected, talk_ms, billed_min, rounds)
	VALUES (NEW.dim, NEW.hour, NEW.val, NEW.calls, NEW.connected, NEW.talk_ms, NEW.billed_min, NEW.rounds)
	ON CONFLICT (dim, hour, val) DO UPDATE SET
		calls = calls + excluded.calls, connected = connected + excluded.connected,
		talk_ms = talk_ms + excluded.talk_ms, billed_min = billed_min + excluded.billed_min,
		rounds = rounds + excluded.rounds;
END;

CREATE TRIGGER call_rollups_all_del AFTER DELETE ON call_rollups WHEN OLD.task_id <> ''
BEGIN
	UPDATE call_rollups_all SET
		calls = calls - OLD.calls, connected = connected - OLD.connected,
		talk_ms = talk_ms - OLD.talk_ms, billed_min = billed_min - OLD.billed_min,
		rounds = rounds - OLD.rounds
	WHERE dim = OLD.dim AND hour = OLD.hour AND val = OLD.val;
END;

CREATE TRIGGER call_rollups_all_upd AFTER UPDATE ON call_rollups
BEGIN
	UPDATE call_rollups_all SET
		calls = calls - OLD.calls, connected = connected - OLD.connected,
		talk_ms = talk_ms - OLD.talk_ms, billed_min = billed_min - OLD.billed_min,
		rounds = rounds - OLD.rounds
	WHERE OLD.task_id <> '' AND dim = OLD.dim AND hour = OLD.hour AND val = OLD.val;
	INSERT INTO call_rollups_all (dim, hour, val, calls, connected, talk_ms, billed_min, rounds)
	SELECT NEW.dim, NEW.hour, NEW.val, NEW.calls, NEW.connected, NEW.talk_ms, NEW.billed_min, NEW.rounds
	WHERE NEW.task_id <> ''
	ON CONFLICT (dim, hour, val) DO UPDATE SET
		calls = calls + excluded.calls, connected = connected + excluded.connected,
		talk_ms = talk_ms + excluded.talk_ms, billed_min = billed_min + excluded.billed_min,
		rounds = rounds + excluded.rounds;
END;
