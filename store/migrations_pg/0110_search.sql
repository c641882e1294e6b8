-- 0110: the index of stored transcripts for search (PostgreSQL's version of
-- SQLite's FTS5 tables: plain tables under the same names and columns, with
-- pg_trgm and GIN indexes; the store's search code fills them in the
-- transaction that writes the turns, and store/search_index.go holds the
-- conditions that read them).
-- search_docs: one document per call with turns; doc orders documents by
-- the call's start time (start_at in ms × 1024 + a counter).
CREATE TABLE search_docs (
	doc     BIGINT PRIMARY KEY,
	call_id TEXT   NOT NULL UNIQUE
);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- search_tri: the robot's and the customer's turns, folded, one turn a
-- line; trigram indexes answer LIKE '%term%' for terms of three characters
-- and more (they need a UTF-8 LC_CTYPE to make trigrams of Chinese).
CREATE TABLE search_tri (
	rowid    BIGINT PRIMARY KEY,
	robot    TEXT   NOT NULL,
	customer TEXT   NOT NULL
);
CREATE INDEX search_tri_robot ON search_tri USING gin (robot gin_trgm_ops);
CREATE INDEX search_tri_customer ON search_tri USING gin (customer gin_trgm_ops);
-- search_short: the distinct one- and two-character grams of the same turns,
-- space separated; the arrays of them answer a short term by containment.
CREATE TABLE search_short (
	rowid      BIGINT PRIMARY KEY,
	robot      TEXT   NOT NULL,
	customer   TEXT   NOT NULL,
	robot_g    TEXT[] GENERATED ALWAYS AS (string_to_array(robot, ' ')) STORED,
	customer_g TEXT[] GENERATED ALWAYS AS (string_to_array(customer, ' ')) STORED
);
CREATE INDEX search_short_robot ON search_short USING gin (robot_g);
CREATE INDEX search_short_customer ON search_short USING gin (customer_g);
-- instr(), as SQLite spells strpos(): the search's tag filter uses it.
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
	LANGUAGE sql IMMUTABLE AS 'SELECT strpos(haystack, needle)';
