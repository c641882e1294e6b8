-- 0190: on PostgreSQL, call_messages stops referencing calls (a lookup of
-- the call, with a row lock, for every turn written). SQLite keeps the
-- reference: its check is a cheap lookup, and dropping it would mean
-- copying the table. Calls are never deleted, so it changes nothing.
SELECT 1;
