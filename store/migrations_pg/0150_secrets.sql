-- 0150: secrets shared by every instance of dialdesk on one database (the
-- session cookie keys, the push token), kept here when the environment gives
-- none. The first instance to start makes each one; every other reads it
-- (store/secrets.go). On SQLite, one instance keeps them in its data dir
-- instead, and this table stays empty.
CREATE TABLE secrets (
	name       TEXT   PRIMARY KEY,
	value      TEXT   NOT NULL, -- hex
	created_at BIGINT NOT NULL
);
