-- Contact imports through the API: one row per upload, its progress updated
-- as the file streams in, and the rows it could not import.
CREATE TABLE imports (
    id              BIGSERIAL PRIMARY KEY,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    -- Column mapping: which header names the phone, the time zone, the tags.
    phone_column    TEXT NOT NULL,
    timezone_column TEXT,
    tag_columns     TEXT[],                             -- NULL = every other column
    state           TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'running', 'done', 'failed')),
    bytes_read      BIGINT NOT NULL DEFAULT 0,
    rows_read       BIGINT NOT NULL DEFAULT 0,
    imported        BIGINT NOT NULL DEFAULT 0,
    duplicates      BIGINT NOT NULL DEFAULT 0,
    rejected        BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    created_by      BIGINT REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ
);
CREATE INDEX imports_by_campaign ON imports (campaign_id, id);

CREATE TABLE import_errors (
    import_id       BIGINT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line            BIGINT NOT NULL,
    message         TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);

CREATE INDEX IF NOT EXISTS campaigns_by_status ON campaigns (status, id);
