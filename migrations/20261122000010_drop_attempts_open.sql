-- attempts_open (contact_id) WHERE outcome IS NULL let Postgres answer
-- "is attempt N still open?" by reading every open attempt: a generic plan
-- made while the table was small joined the Talker's batched records with
-- the whole partial index, dead entries included (≈ 30,000 index entries
-- per batch, most of Postgres's CPU at 600 calls a second). Every query
-- that asks about an open attempt names it (primary key) or its contact
-- (the (contact_id, attempt_no) key), so the index only ever misled.
DROP INDEX attempts_open;
