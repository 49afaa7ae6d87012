-- The decision log: why a contact that came due was not dialed. Dials are
-- the attempts table; together they answer "why was (or wasn't) this
-- number called?".
CREATE TABLE decisions (
    id              BIGSERIAL PRIMARY KEY,
    contact_id      BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    decision        TEXT NOT NULL CHECK (decision IN ('deferred', 'skipped')),
    -- outside_window, blacklisted, not_whitelisted, lists_unavailable, …
    reason          TEXT NOT NULL,
    node_id         TEXT,
    -- For a deferral: when the contact is due again.
    until           TIMESTAMPTZ
);
CREATE INDEX decisions_by_contact ON decisions (contact_id, id);
CREATE INDEX decisions_by_campaign ON decisions (campaign_id, id);
