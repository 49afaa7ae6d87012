-- Webhooks on attempt outcomes: each finished attempt queues one delivery
-- per enabled webhook (in the same statement that records the outcome), and
-- the UI services deliver them, at least once, retrying with back-off.
CREATE TABLE webhooks (
    id              BIGSERIAL PRIMARY KEY,
    url             TEXT NOT NULL,
    -- Signs each body: X-Herald-Signature: sha256=<HMAC-SHA256(secret, body)>.
    secret          TEXT NOT NULL,
    -- Only this campaign's attempts; NULL: every campaign.
    campaign_id     BIGINT REFERENCES campaigns(id) ON DELETE CASCADE,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    attempt_id      BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    tries           INTEGER NOT NULL DEFAULT 0,
    next_try_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ,
    -- Given up after too many tries.
    failed          BOOLEAN NOT NULL DEFAULT FALSE,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_try_at) WHERE delivered_at IS NULL AND NOT failed;
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
