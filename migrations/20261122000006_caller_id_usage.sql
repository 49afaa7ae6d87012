-- Caller-ID pools at dial time: a number's calls today are counted from the
-- attempts that presented it.
CREATE INDEX attempts_by_caller_id ON attempts (caller_id, created_at);
