-- 0110: the index of stored transcripts for search (SQLite FTS5; the store's
-- search code fills it in the transaction that writes the turns).
-- search_docs: one document per call with turns; doc orders documents by
-- the call's start time (start_at in ms × 1024 + a counter), so the
-- newest-first walk of a search is the index's own order.
CREATE TABLE search_docs (
	doc     INTEGER PRIMARY KEY,
	call_id TEXT    NOT NULL UNIQUE
);
-- search_tri: the robot's and the customer's turns, folded, one turn a
-- line; trigrams answer terms of three characters and more.
CREATE VIRTUAL TABLE search_tri USING fts5(robot, customer,
	tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1);
-- search_short: the distinct one- and two-character grams of the same
-- turns as words: a term of one or two characters is one word to look up.
CREATE VIRTUAL TABLE search_short USING fts5(robot, customer,
	tokenize = 'ascii', content = '', contentless_delete = 1, detail = column);
