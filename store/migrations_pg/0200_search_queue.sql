-- 0200: the search queue becomes a list in the order the calls were queued
-- (it was search_pending, keyed by call id). A call is queued by a row
-- added at the end, instead of one put in its place among the call ids: on
-- the push receiver's writer that random-key insert, with its B-tree page
-- written at each commit, was a tenth of the time a push took. The indexer
-- (store.IndexPending) takes the oldest rows, indexes their calls and
-- deletes exactly the rows it read: a call queued again meanwhile has a
-- newer row, and is indexed again. A call queued twice before the indexer
-- came has two rows. (A row may commit after rows numbered above it: the
-- indexer deletes the numbers it read, never a range.)
CREATE TABLE search_queue (
	seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	call_id TEXT   NOT NULL
);
INSERT INTO search_queue (call_id) SELECT call_id FROM search_pending ORDER BY call_id;
DROP TABLE search_pending;
