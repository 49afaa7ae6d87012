//! The audit log: who changed what, when. Every function in this crate that
//! makes a change for a person or a tool (trunks, prompts, campaigns, lists,
//! users, sessions, tokens, …) writes its row here in the same transaction as
//! the change, so a change and its record commit together. It never decides
//! who may change what (the UI service's roles do).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::{Result, Store};

/// Who makes a change: a signed-in user, a user's API token, or Herald itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user behind the change; `None` for Herald's own tools and services.
    pub user_id: Option<i64>,
    /// What the log shows: the user's email (and token name), or `system:<what>`.
    pub name: String,
}

impl Actor {
    /// Herald itself: a command-line tool or a service (`system:<what>`).
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: format!("system:{what}") }
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub details: serde_json::Value,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only entries older than this id (the previous page's last id).
    pub before: Option<i64>,
    /// At most this many entries.
    pub limit: i64,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_user_id: Option<i64>,
}

/// Appends one entry, on the caller's transaction.
pub(crate) async fn record(
    connection: &mut PgConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (actor_user_id, actor, action, entity, entity_id, details) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(details)
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
    /// Records a change made outside one of this crate's transactions (a
    /// bulk upload, made of many).
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut connection = self.pool.acquire().await?;
        record(&mut connection, actor, action, entity, entity_id, details).await
    }

    /// One page of the audit log, newest first (keyset paging on `id`).
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as::<_, AuditEntry>(
            "SELECT id, at, actor_user_id, actor, action, entity, entity_id, details FROM audit_log \
             WHERE ($1::bigint IS NULL OR id < $1) \
               AND ($2::text IS NULL OR entity = $2) \
               AND ($3::bigint IS NULL OR entity_id = $3) \
               AND ($4::bigint IS NULL OR actor_user_id = $4) \
             ORDER BY id DESC LIMIT $5",
        )
        .bind(query.before)
        .bind(&query.entity)
        .bind(query.entity_id)
        .bind(query.actor_user_id)
        .bind(query.limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
