-- Herald's system of record. Sized for 10 million contacts and 100 million
-- attempts: every query on the dialing path is served by an index below.

-- People and machines that use the UI/API.
CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL,                      -- argon2id PHC string
    role            TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash      BYTEA PRIMARY KEY,                  -- sha-256 of the cookie value
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      BYTEA NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);

-- Carrier SIP trunks. Credentials: the password is read from the environment
-- variable named in auth_password_env when set, else from auth_password.
CREATE TABLE trunks (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    host                TEXT NOT NULL,
    port                INTEGER NOT NULL DEFAULT 5060 CHECK (port BETWEEN 1 AND 65535),
    transport           TEXT NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp', 'tls')),
    auth_username       TEXT,
    auth_password       TEXT,
    auth_password_env   TEXT,
    auth_realm          TEXT,
    from_domain         TEXT,
    -- Caps the carrier imposes: calls per second and concurrent lines.
    cps_limit           DOUBLE PRECISION NOT NULL DEFAULT 10 CHECK (cps_limit > 0),
    max_lines           INTEGER NOT NULL DEFAULT 100 CHECK (max_lines > 0),
    -- Source addresses inbound SIP from this trunk may come from (CIDR).
    inbound_sources     CIDR[] NOT NULL DEFAULT '{}',
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE trunk_groups (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    strategy        TEXT NOT NULL DEFAULT 'ordered' CHECK (strategy IN ('ordered', 'weighted')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE trunk_group_members (
    trunk_group_id  BIGINT NOT NULL REFERENCES trunk_groups(id) ON DELETE CASCADE,
    trunk_id        BIGINT NOT NULL REFERENCES trunks(id) ON DELETE RESTRICT,
    position        INTEGER NOT NULL DEFAULT 0,
    weight          INTEGER NOT NULL DEFAULT 1 CHECK (weight > 0),
    -- Only numbers starting with one of these prefixes use this trunk; empty = all.
    prefixes        TEXT[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (trunk_group_id, trunk_id)
);

-- Caller IDs (ANI) and their pools.
CREATE TABLE caller_id_pools (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    strategy        TEXT NOT NULL DEFAULT 'round_robin'
                    CHECK (strategy IN ('fixed', 'round_robin', 'local_presence', 'least_used')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE caller_ids (
    id              BIGSERIAL PRIMARY KEY,
    pool_id         BIGINT NOT NULL REFERENCES caller_id_pools(id) ON DELETE CASCADE,
    number          TEXT NOT NULL,                      -- E.164
    daily_cap       INTEGER,                            -- calls per local day; NULL = no cap
    rested_until    TIMESTAMPTZ,                        -- resting after an answer-rate collapse
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (pool_id, number)
);

-- Audio prompts. The original upload is kept; Talkers decode it once into
-- their frame cache.
CREATE TABLE prompts (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    audio           BYTEA NOT NULL,
    duration_ms     INTEGER NOT NULL CHECK (duration_ms >= 0),
    sha256          BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Call scripts: what a call plays and listens for (JSON model, see crates/scenario).
CREATE TABLE scenarios (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    definition      JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'stopped', 'archived')),
    -- What a call plays: a scenario, or simply one prompt.
    scenario_id         BIGINT REFERENCES scenarios(id),
    prompt_id           BIGINT REFERENCES prompts(id),
    -- Where calls go: one trunk or a trunk group.
    trunk_id            BIGINT REFERENCES trunks(id),
    trunk_group_id      BIGINT REFERENCES trunk_groups(id),
    caller_id           TEXT,                           -- fixed caller ID when no pool
    caller_id_pool_id   BIGINT REFERENCES caller_id_pools(id),
    timezone            TEXT NOT NULL DEFAULT 'UTC',    -- the campaign's own zone (schedules)
    schedule_start_cron TEXT,
    schedule_stop_cron  TEXT,
    starts_at           TIMESTAMPTZ,
    ends_at             TIMESTAMPTZ,
    -- Local calling window per weekday, holidays, retry rules: see crates/policy.
    calling_window      JSONB NOT NULL DEFAULT '{}',
    retry_rules         JSONB NOT NULL DEFAULT '{}',
    max_attempts        INTEGER NOT NULL DEFAULT 1 CHECK (max_attempts > 0),
    ring_timeout_secs   INTEGER NOT NULL DEFAULT 30 CHECK (ring_timeout_secs > 0),
    cps_cap             DOUBLE PRECISION CHECK (cps_cap > 0),
    concurrency_cap     INTEGER CHECK (concurrency_cap > 0),
    whitelist_only      BOOLEAN NOT NULL DEFAULT FALSE,
    created_by          BIGINT REFERENCES users(id),
    started_at          TIMESTAMPTZ,
    completed_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_running ON campaigns (id) WHERE status = 'running';

-- One row per person to call in a campaign. The dialing path reads this table
-- only through contacts_due (claim) and contacts_leased (reaper).
CREATE TABLE contacts (
    id                  BIGSERIAL PRIMARY KEY,
    campaign_id         BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    phone               TEXT NOT NULL,                  -- E.164
    timezone            TEXT,                           -- explicit zone from the import, else derived
    tags                JSONB NOT NULL DEFAULT '{}',    -- per-contact values for the message
    state               TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'leased', 'done')),
    next_eligible_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Attempts that count toward the campaign's max_attempts.
    attempts_made       INTEGER NOT NULL DEFAULT 0,
    -- Attempts lost with a dead node (retried without counting).
    lost_attempts       INTEGER NOT NULL DEFAULT 0,
    last_outcome        TEXT,
    lease_owner         TEXT,
    lease_until         TIMESTAMPTZ,
    -- Bumped on every lease: an attempt carries the epoch it was leased
    -- under, so a late write from a node whose lease was reaped is refused.
    lease_epoch         BIGINT NOT NULL DEFAULT 0,
    import_line         INTEGER,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, phone)
);
CREATE INDEX contacts_due ON contacts (campaign_id, next_eligible_at) WHERE state = 'queued';
CREATE INDEX contacts_leased ON contacts (lease_until) WHERE state = 'leased';
CREATE INDEX contacts_leased_by_campaign ON contacts (campaign_id) WHERE state = 'leased';
CREATE INDEX contacts_phone ON contacts (phone);

-- The CDRs: one row per call attempt, written once with its terminal outcome.
CREATE TABLE attempts (
    id                  BIGSERIAL PRIMARY KEY,
    contact_id          BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    campaign_id         BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    attempt_no          INTEGER NOT NULL,
    lease_epoch         BIGINT NOT NULL,
    node_id             TEXT NOT NULL,
    trunk_id            BIGINT REFERENCES trunks(id),
    phone               TEXT NOT NULL,
    caller_id           TEXT,
    sip_call_id         TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),   -- leased / started
    invite_at           TIMESTAMPTZ,
    ringing_at          TIMESTAMPTZ,
    answered_at         TIMESTAMPTZ,
    ended_at            TIMESTAMPTZ,
    sip_code            INTEGER,
    sip_reason          TEXT,
    q850_cause          INTEGER,
    outcome             TEXT CHECK (outcome IN ('answered', 'busy', 'no_answer', 'rejected', 'failed', 'machine', 'lost_with_node')),
    talk_ms             INTEGER,
    early_media         BOOLEAN NOT NULL DEFAULT FALSE,
    dtmf                TEXT,
    amd_verdict         TEXT,
    asr_text            TEXT,
    recording_path      TEXT,
    rtp_packets_sent    INTEGER,
    rtp_packets_received INTEGER,
    UNIQUE (contact_id, attempt_no)
);
CREATE INDEX attempts_campaign ON attempts (campaign_id, id);
CREATE INDEX attempts_open ON attempts (contact_id) WHERE outcome IS NULL;

-- Black and white lists: global (campaign_id NULL) or per campaign; exact
-- numbers or prefixes. Lookup: pattern = ANY(every prefix of the number).
CREATE TABLE lists (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('black', 'white')),
    campaign_id     BIGINT REFERENCES campaigns(id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE list_entries (
    list_id         BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    pattern         TEXT NOT NULL,                      -- E.164 number or prefix
    is_prefix       BOOLEAN NOT NULL DEFAULT FALSE,
    reason          TEXT,
    expires_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (pattern, list_id)
);
CREATE INDEX list_entries_by_list ON list_entries (list_id);

-- Inbound routing: which DID / caller goes where.
CREATE TABLE inbound_routes (
    id              BIGSERIAL PRIMARY KEY,
    priority        INTEGER NOT NULL DEFAULT 100,
    did_prefix      TEXT NOT NULL DEFAULT '',           -- '' matches every DID
    caller_prefix   TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL CHECK (action IN ('play_prompt', 'campaign_callback', 'scenario', 'opt_out', 'reject')),
    prompt_id       BIGINT REFERENCES prompts(id),
    campaign_id     BIGINT REFERENCES campaigns(id) ON DELETE CASCADE,
    scenario_id     BIGINT REFERENCES scenarios(id),
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who changed what, when.
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id   BIGINT REFERENCES users(id),
    actor           TEXT NOT NULL,                      -- user email, token name or 'system:<node>'
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       BIGINT,
    details         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
