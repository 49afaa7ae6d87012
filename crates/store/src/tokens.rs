//! Bearer API tokens for machines. Only the SHA-256 of a token is stored;
//! its plaintext is shown once, when it is made, and never reaches this
//! module.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::users::{User, user_columns};
use crate::{Error, Result, Store};

/// A token as listed: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    /// The owner's email, for lists that span users.
    pub user_email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The columns of [`ApiToken`] from `api_tokens t JOIN users u`.
macro_rules! token_columns {
    () => {
        "t.id, t.user_id, u.email AS user_email, t.name, t.created_at, t.last_used_at, t.revoked_at"
    };
}

/// An unrevoked token and the enabled user it acts for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveToken {
    #[sqlx(flatten)]
    pub user: User,
    pub token_id: i64,
    pub token_name: String,
}

/// Whether a token was revoked by this call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeToken {
    Revoked,
    /// It had been revoked before; nothing changed.
    AlreadyRevoked,
}

impl Store {
    /// Stores a token for `user_id` and audits it (`create` on `api_token`),
    /// in one transaction. [`Error::NotFound`] when there is no such user.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &[u8],
        actor: &Actor,
    ) -> Result<ApiToken> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, ApiToken>(concat!(
            "WITH t AS (INSERT INTO api_tokens (user_id, name, token_hash) \
                        SELECT id, $2, $3 FROM users WHERE id = $1 RETURNING *) \
             SELECT ",
            token_columns!(),
            " FROM t JOIN users u ON u.id = t.user_id"
        ))
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or(Error::NotFound { entity: "user", id: user_id })?;
        let details = serde_json::json!({"name": created.name, "user_id": created.user_id});
        audit::record(&mut transaction, actor, "create", "api_token", Some(created.id), details).await?;
        transaction.commit().await?;
        Ok(created)
    }

    pub async fn api_token(&self, token_id: i64) -> Result<ApiToken> {
        sqlx::query_as::<_, ApiToken>(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1"
        ))
        .bind(token_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound { entity: "api_token", id: token_id })
    }

    /// Tokens, revoked ones too, oldest first: one user's, or everyone's.
    pub async fn api_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as::<_, ApiToken>(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE ($1::bigint IS NULL OR t.user_id = $1) ORDER BY t.id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a token and audits it (`revoke` on `api_token`), in one
    /// transaction. [`Error::NotFound`] when there is no such token.
    pub async fn revoke_api_token(&self, token_id: i64, actor: &Actor) -> Result<RevokeToken> {
        let mut transaction = self.pool.begin().await?;
        let found: Option<(i64, bool)> =
            sqlx::query_as("SELECT user_id, revoked_at IS NOT NULL FROM api_tokens WHERE id = $1 FOR UPDATE")
                .bind(token_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let Some((user_id, already_revoked)) = found else {
            return Err(Error::NotFound { entity: "api_token", id: token_id });
        };
        if already_revoked {
            return Ok(RevokeToken::AlreadyRevoked);
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1")
            .bind(token_id)
            .execute(&mut *transaction)
            .await?;
        let details = serde_json::json!({"user_id": user_id});
        audit::record(&mut transaction, actor, "revoke", "api_token", Some(token_id), details).await?;
        transaction.commit().await?;
        Ok(RevokeToken::Revoked)
    }

    /// The unrevoked token with this hash, if its user is enabled; notes
    /// its use (at most one write a minute per token).
    pub async fn live_token(&self, token_hash: &[u8]) -> Result<Option<LiveToken>> {
        let found = sqlx::query_as::<_, LiveTokenRow>(concat!(
            "SELECT ",
            user_columns!(),
            ", t.id AS token_id, t.name AS token_name, \
                    t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' AS stale \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        if found.stale {
            sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
                .bind(found.token.token_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(found.token))
    }
}

#[derive(sqlx::FromRow)]
struct LiveTokenRow {
    #[sqlx(flatten)]
    token: LiveToken,
    /// `last_used_at` is over a minute old.
    stale: bool,
}
