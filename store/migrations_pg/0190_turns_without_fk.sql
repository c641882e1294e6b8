-- 0190: call_messages no longer references calls. The reference cost a
-- lookup of the call, with a row lock, for every turn written (a tenth of a
-- push's time in the database), and it guarded nothing: calls are never
-- deleted (retention drops turns, not calls), and the store writes a
-- call's turns only after its row, in the same transaction.
ALTER TABLE call_messages DROP CONSTRAINT IF EXISTS call_messages_call_id_fkey;
