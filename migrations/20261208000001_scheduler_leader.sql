-- The Scheduler's leadership as a lease in the system of record, with a
-- fencing epoch: a leader acts only in statements that check, under a
-- share lock, that it still holds an unexpired lease of its epoch, so a
-- leader that was cut off and comes back cannot act after another took
-- over (the takeover waits for those statements; theirs find the epoch
-- changed). Replaces the session advisory lock, which a vanished host kept
-- until TCP gave up.
CREATE TABLE scheduler_leader (
    id          SMALLINT PRIMARY KEY CHECK (id = 1),
    -- This Scheduler process (node id and a per-process token).
    holder      TEXT NOT NULL,
    -- Bumped each time the leadership changes hands.
    epoch       BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    until       TIMESTAMPTZ NOT NULL
);
