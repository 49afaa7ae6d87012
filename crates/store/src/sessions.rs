//! Cookie sessions for people. Only the SHA-256 of a session's secret is
//! stored; the secret itself lives in the browser's cookie, and this module
//! never sees it.

use chrono::{DateTime, Utc};

use crate::audit::{self, Actor};
use crate::users::{User, user_columns};
use crate::{Result, Store};

/// A new session, as sign-in makes it.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's value.
    pub token_hash: &'a [u8],
    pub user_id: i64,
    /// What unsafe requests must echo in `X-CSRF-Token`.
    pub csrf_token: &'a str,
    /// How long the session lasts, from now (the database's clock).
    pub lifetime_secs: i64,
}

/// A live session and the enabled user it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveSession {
    #[sqlx(flatten)]
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Starts a session and audits the sign-in (`login`, with
    /// `details`), in one transaction; clears expired sessions on the way.
    /// Returns when the session expires.
    pub async fn create_session(
        &self,
        session: &NewSession<'_>,
        actor: &Actor,
        details: serde_json::Value,
    ) -> Result<DateTime<Utc>> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= now()").execute(&mut *transaction).await?;
        let (expires_at,): (DateTime<Utc>,) = sqlx::query_as(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) \
             VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at",
        )
        .bind(session.token_hash)
        .bind(session.user_id)
        .bind(session.csrf_token)
        .bind(session.lifetime_secs as f64)
        .fetch_one(&mut *transaction)
        .await?;
        audit::record(&mut transaction, actor, "login", "user", Some(session.user_id), details).await?;
        transaction.commit().await?;
        Ok(expires_at)
    }

    /// The unexpired session with this hash, if its user is enabled.
    pub async fn live_session(&self, token_hash: &[u8]) -> Result<Option<LiveSession>> {
        Ok(sqlx::query_as::<_, LiveSession>(concat!(
            "SELECT ",
            user_columns!(),
            ", s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends a session and audits the sign-out (`logout`), in one
    /// transaction. Returns whether there was such a session.
    pub async fn end_session(&self, token_hash: &[u8], actor: &Actor) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let ended: Option<(i64,)> = sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash)
            .fetch_optional(&mut *transaction)
            .await?;
        let Some((user_id,)) = ended else {
            return Ok(false);
        };
        audit::record(&mut transaction, actor, "logout", "user", Some(user_id), serde_json::json!({})).await?;
        transaction.commit().await?;
        Ok(true)
    }
}
