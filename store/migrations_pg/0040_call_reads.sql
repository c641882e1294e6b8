-- 0040: "unread" is per user. A supervisor opening a call marks it read for
-- them alone; call_marks keeps the marks everyone shares (reviewed). The reads
-- recorded so far (the first opener's) carry over to that user.

CREATE TABLE call_reads (
	task_id  TEXT   NOT NULL,
	call_key TEXT   NOT NULL,
	username TEXT   NOT NULL,
	read_at  BIGINT NOT NULL,
	PRIMARY KEY (task_id, call_key, username)
);

INSERT INTO call_reads (task_id, call_key, username, read_at)
	SELECT task_id, call_key, read_by, read_at FROM call_marks WHERE read_at > 0 AND read_by <> '';
