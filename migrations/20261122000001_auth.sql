-- Sign-in, sessions, API tokens and the audit log, as the REST API uses them.

-- Email addresses are stored lowercased by the API; this keeps two spellings
-- of one address from ever becoming two accounts, and serves sign-in.
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- Ending every session of a user (password changed, account disabled).
CREATE INDEX sessions_user ON sessions (user_id);

-- Listing a user's tokens.
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- Paging through one actor's changes.
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id) WHERE actor_user_id IS NOT NULL;
