-- The decision log also says when a contact waited for a carrier's cap (its
-- trunk's lines all busy, or its calls-per-second budget spent) before it
-- was dialed: decision 'waited', reason line_cap or cps_cap, `at` when the
-- wait began and `until` when the INVITE went out.
ALTER TABLE decisions DROP CONSTRAINT decisions_decision_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_decision_check CHECK (decision IN ('deferred', 'skipped', 'waited'));
