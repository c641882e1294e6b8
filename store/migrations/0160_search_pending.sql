-- 0160: the calls whose turns changed since the search index last saw them.
-- The transaction that writes a call's turns adds the call here (cheap);
-- the search indexer (store.IndexPending) puts them into search_docs,
-- search_tri and search_short a batch at a time and removes them, and a
-- search reads the calls still here itself, so it finds every stored turn.
-- gen grows each time a call is queued again: the indexer removes a row
-- only if it is the one it read.
CREATE TABLE search_pending (
	call_id TEXT   PRIMARY KEY,
	gen     BIGINT NOT NULL DEFAULT 1
);
