-- 0113: rule hits by start time, for the overview's hits per rule per day
-- over every rule.
CREATE INDEX rule_hits_start ON rule_hits (start_at);
