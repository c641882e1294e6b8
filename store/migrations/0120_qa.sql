-- 0120: quality review (质检). Scorecards and their versions (a version in
-- use by a review is never changed: editing makes a new one), plans that
-- sample the warehouse's calls, one review per call (picked by a plan, or
-- ad hoc: opened by a reviewer outside any plan), every change to a review
-- as history, disputes and their rulings. The old "reviewed" marks become
-- ad-hoc reviews with no scorecard.

CREATE TABLE qa_scorecards (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	version_id BIGINT  NOT NULL DEFAULT 0, -- the current version (qa_scorecard_versions.id)
	created_by TEXT    NOT NULL DEFAULT '',
	created_at BIGINT  NOT NULL,
	updated_at BIGINT  NOT NULL
);

-- qa_scorecard_versions: body is JSON {criteria: [...], pass_mark}.
CREATE TABLE qa_scorecard_versions (
	id           INTEGER PRIMARY KEY,
	scorecard_id BIGINT  NOT NULL,
	version      INTEGER NOT NULL,
	body         TEXT    NOT NULL,
	created_by   TEXT    NOT NULL DEFAULT '',
	created_at   BIGINT  NOT NULL,
	UNIQUE (scorecard_id, version)
);

-- qa_plans: scope is a JSON list of task ids (empty: every task), rules the
-- sampling rules as JSON, reviewers a JSON list of usernames (empty: the
-- shared pool).
CREATE TABLE qa_plans (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL,
	scorecard_id BIGINT  NOT NULL,
	scope        TEXT    NOT NULL DEFAULT '[]',
	rules        TEXT    NOT NULL DEFAULT '{}',
	reviewers    TEXT    NOT NULL DEFAULT '[]',
	active       INTEGER NOT NULL DEFAULT 1,
	created_by   TEXT    NOT NULL DEFAULT '',
	created_at   BIGINT  NOT NULL,
	updated_at   BIGINT  NOT NULL
);

-- qa_plan_days: each run of a plan over a task and day (YYYY-MM-DD in the
-- instance's zone): how many calls it saw and picked so far.
CREATE TABLE qa_plan_days (
	plan_id    BIGINT  NOT NULL,
	day        TEXT    NOT NULL,
	task_id    TEXT    NOT NULL,
	candidates INTEGER NOT NULL DEFAULT 0,
	picked     INTEGER NOT NULL DEFAULT 0,
	run_at     BIGINT  NOT NULL,
	PRIMARY KEY (plan_id, day, task_id)
);

-- qa_reviews: one per call, keyed as its page is (task, call key), so no
-- call is ever picked twice. state: todo, done, disputed, ruled.
-- scores is JSON {criterion key: {points, pass, comment}}; human_tags a JSON
-- list of tag names; notes a JSON list of {turn, ms, text, by, at}.
CREATE TABLE qa_reviews (
	id               INTEGER PRIMARY KEY,
	task_id          TEXT    NOT NULL,
	call_key         TEXT    NOT NULL,
	plan_id          BIGINT  NOT NULL DEFAULT 0, -- 0: ad hoc
	day              TEXT    NOT NULL DEFAULT '',
	reason           TEXT    NOT NULL DEFAULT '',
	assignee         TEXT    NOT NULL DEFAULT '', -- '': in the shared pool
	state            TEXT    NOT NULL DEFAULT 'todo',
	robot_level      TEXT    NOT NULL DEFAULT '',
	scorecard_id     BIGINT  NOT NULL DEFAULT 0,
	version_id       BIGINT  NOT NULL DEFAULT 0, -- the scorecard version it was scored on
	scores           TEXT    NOT NULL DEFAULT '{}',
	total            INTEGER NOT NULL DEFAULT 0,
	verdict          TEXT    NOT NULL DEFAULT '', -- pass, fail, '' (no scorecard)
	human_level      TEXT    NOT NULL DEFAULT '', -- '': same as the robot
	human_tags       TEXT    NOT NULL DEFAULT '[]',
	tags_set         INTEGER NOT NULL DEFAULT 0,  -- 1: human_tags replace the robot's
	comment          TEXT    NOT NULL DEFAULT '',
	notes            TEXT    NOT NULL DEFAULT '[]',
	reviewer         TEXT    NOT NULL DEFAULT '',
	reviewed_at      BIGINT  NOT NULL DEFAULT 0,
	created_at       BIGINT  NOT NULL,
	updated_at       BIGINT  NOT NULL,
	UNIQUE (task_id, call_key)
);
CREATE INDEX qa_reviews_assignee ON qa_reviews (assignee, state, created_at);
CREATE INDEX qa_reviews_plan_day ON qa_reviews (plan_id, day, task_id);
CREATE INDEX qa_reviews_reviewed ON qa_reviews (reviewed_at);

-- qa_review_history: every change to a review: who, when, what (a code and
-- its arguments as JSON).
CREATE TABLE qa_review_history (
	id        INTEGER PRIMARY KEY,
	review_id BIGINT NOT NULL,
	at        BIGINT NOT NULL,
	by_user   TEXT   NOT NULL,
	what      TEXT   NOT NULL,
	args      TEXT   NOT NULL DEFAULT '{}'
);
CREATE INDEX qa_review_history_review ON qa_review_history (review_id, id);

-- qa_disputes: a manager's dispute of a review and its ruling (final).
-- outcome: '' pending, upheld (the review stands), overturned.
CREATE TABLE qa_disputes (
	id         INTEGER PRIMARY KEY,
	review_id  BIGINT NOT NULL,
	opened_by  TEXT   NOT NULL,
	reason     TEXT   NOT NULL,
	opened_at  BIGINT NOT NULL,
	outcome    TEXT   NOT NULL DEFAULT '',
	ruled_by   TEXT   NOT NULL DEFAULT '',
	ruling     TEXT   NOT NULL DEFAULT '',
	ruled_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX qa_disputes_review ON qa_disputes (review_id);

INSERT INTO qa_reviews (task_id, call_key, state, reviewer, reviewed_at, created_at, updated_at)
	SELECT task_id, call_key, 'done', reviewed_by, reviewed_at, reviewed_at, reviewed_at
	FROM call_marks WHERE reviewed_at > 0;
