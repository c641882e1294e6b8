-- 0070: call_rollups summed over every task (the overview of "all tasks"
-- reads these rows instead of adding up a row per task). Kept equal to SUM
-- over call_rollups GROUP BY hour, dim, val (calls not yet placed under a
-- task, task_id '', are left out) by the trigger below, in the same
-- transaction as each rollup change: PostgreSQL's version of SQLite's three
-- triggers of the same number.
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

CREATE FUNCTION call_rollups_all_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.task_id <> '' THEN
		UPDATE call_rollups_all a SET
			calls = a.calls - OLD.calls, connected = a.connected - OLD.connected,
			talk_ms = a.talk_ms - OLD.talk_ms, billed_min = a.billed_min - OLD.billed_min,
			rounds = a.rounds - OLD.rounds
		WHERE a.dim = OLD.dim AND a.hour = OLD.hour AND a.val = OLD.val;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.task_id <> '' THEN
		INSERT INTO call_rollups_all AS a (dim, hour, val, calls, connected, talk_ms, billed_min, rounds)
		VALUES (NEW.dim, NEW.hour, NEW.val, NEW.calls, NEW.connected, NEW.talk_ms, NEW.billed_min, NEW.rounds)
		ON CONFLICT (dim, hour, val) DO UPDATE SET
			calls = a.calls + excluded.calls, connected = a.connected + excluded.connected,
			talk_ms = a.talk_ms + excluded.talk_ms, billed_min = a.billed_min + excluded.billed_min,
			rounds = a.rounds + excluded.rounds;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER call_rollups_all_sync AFTER INSERT OR UPDATE OR DELETE ON call_rollups
	FOR EACH ROW EXECUTE FUNCTION call_rollups_all_sync();
