-- 0112: alerts of high-severity keyword rules. A call arriving with a hit
-- of a high-severity rule raises one alert (rule, call): managers see a
-- banner until they open the alerts, and when an admin has set a webhook
-- the alert is POSTed there (hook_*: its delivery, retried with back-off;
-- webhook_deliveries logs every attempt).
CREATE TABLE rule_alerts (
	id         INTEGER PRIMARY KEY,
	rule_id    BIGINT  NOT NULL,
	call_id    TEXT    NOT NULL,
	task_id    TEXT    NOT NULL DEFAULT '',
	word       TEXT    NOT NULL DEFAULT '',
	created_at BIGINT  NOT NULL,
	hook_state INTEGER NOT NULL DEFAULT 0, -- 0 no webhook, 1 to send, 2 sent, 3 given up
	hook_tries INTEGER NOT NULL DEFAULT 0,
	hook_next  BIGINT  NOT NULL DEFAULT 0, -- when to try next (Unix ms)
	UNIQUE (rule_id, call_id)
);
CREATE INDEX rule_alerts_hook ON rule_alerts (hook_state, hook_next);

-- alert_seen: the newest alert each user has seen (the banner counts those after).
CREATE TABLE alert_seen (
	username TEXT   PRIMARY KEY,
	last_id  BIGINT NOT NULL DEFAULT 0
);

-- webhook_deliveries: every attempt to POST an alert.
CREATE TABLE webhook_deliveries (
	id       INTEGER PRIMARY KEY,
	alert_id BIGINT  NOT NULL,
	at       BIGINT  NOT NULL,
	url      TEXT    NOT NULL,
	attempt  INTEGER NOT NULL,
	status   INTEGER NOT NULL DEFAULT 0, -- the HTTP status; 0 none (no answer)
	error    TEXT    NOT NULL DEFAULT '' -- a code: timeout, connect, status
);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
