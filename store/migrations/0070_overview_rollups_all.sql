-- 0070: call_rollups summed over every task (the overview of "all tasks"
-- reads these rows instead of adding up a row per task: 30 days of 200 tasks
-- are hundreds of thousands of task rows, but only a few tens of thousands
-- here). Kept equal to SUM over call_rollups GROUP BY hour, dim, val (calls
-- not yet placed under a task, task_id '', are left out) by the triggers
-- below, in the same transaction as each rollup change.
CREATE TABLE call_rollups_all (
	dim        TEXT   NOT NULL,
	hour       BIGINT NOT NULL,
	val        TEXT   NOT NULL,
	calls      BIGINT NOT NULL DEFAULT 0,
	connected  BIGINT NOT NULL DEFAULT 0,
	talk_ms    BIGINT NOT NULL DEFAULT 0,
	billed_min BIGINT NOT NULL DEFAULT 0,
	rounds     BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, hour, val)
);

INSERT INTO call_rollups_all (dim, hour, val, calls, connected, talk_ms, billed_min, rounds)
	SELECT dim, hour, val, SUM(calls), SUM(connected), SUM(talk_ms), SUM(billed_min), SUM(rounds)
	FROM call_rollups WHERE task_id <> '' GROUP BY dim, hour, val;

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
