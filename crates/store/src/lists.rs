//! Black and white lists as managers see them: the lists, their entries a
//! page at a time, changes (audited), and the global opt-out list.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::manage::{Change, refused};
use crate::{NewListEntry, Result, Store};

/// The global blacklist that opt-outs go to.
pub const OPT_OUT_LIST: &str = "opt-out";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct NumberList {
    pub id: i64,
    pub name: String,
    /// black or white.
    pub kind: String,
    /// `None`: applies to every campaign.
    pub campaign_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct ListEntry {
    pub pattern: String,
    pub is_prefix: bool,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn number_lists(&self) -> Result<Vec<NumberList>> {
        Ok(sqlx::query_as::<_, NumberList>("SELECT id, name, kind, campaign_id, created_at FROM lists ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn number_list(&self, list_id: i64) -> Result<NumberList> {
        sqlx::query_as::<_, NumberList>("SELECT id, name, kind, campaign_id, created_at FROM lists WHERE id = $1")
            .bind(list_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "list", id: list_id })
    }

    /// Creates a list, audited. `Conflict` when the campaign does not exist.
    pub async fn add_number_list(
        &self,
        name: &str,
        kind: &str,
        campaign_id: Option<i64>,
        actor: &Actor,
    ) -> Result<Change<NumberList>> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, NumberList>(
            "INSERT INTO lists (name, kind, campaign_id) VALUES ($1, $2, $3) \
             RETURNING id, name, kind, campaign_id, created_at",
        )
        .bind(name)
        .bind(kind)
        .bind(campaign_id)
        .fetch_one(&mut *transaction)
        .await;
        let list = match created {
            Ok(list) => list,
            Err(error) => return refused(error, None, Some("the campaign does not exist")),
        };
        let details = serde_json::json!({ "name": name, "kind": kind, "campaign_id": campaign_id });
        audit::record(&mut transaction, actor, "create", "list", Some(list.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(list))
    }

    /// Renames a list, audited (its kind and campaign never change).
    pub async fn rename_number_list(&self, list_id: i64, name: &str, actor: &Actor) -> Result<NumberList> {
        let mut transaction = self.pool.begin().await?;
        let list = sqlx::query_as::<_, NumberList>(
            "UPDATE lists SET name = $2 WHERE id = $1 RETURNING id, name, kind, campaign_id, created_at",
        )
        .bind(list_id)
        .bind(name)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or(crate::Error::NotFound { entity: "list", id: list_id })?;
        audit::record(&mut transaction, actor, "update", "list", Some(list_id), serde_json::json!({ "name": name }))
            .await?;
        transaction.commit().await?;
        Ok(list)
    }

    pub async fn delete_number_list(&self, list_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("lists", "list", list_id, actor, "").await
    }

    /// Entries whose pattern starts with `search`, after `after`, in
    /// pattern order (served by the primary key).
    pub async fn list_entries(
        &self,
        list_id: i64,
        search: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ListEntry>> {
        Ok(sqlx::query_as::<_, ListEntry>(
            "SELECT pattern, is_prefix, reason, expires_at, created_at FROM list_entries \
             WHERE list_id = $1 AND pattern LIKE $2 || '%' AND pattern > coalesce($3, '') \
             ORDER BY pattern LIMIT $4",
        )
        .bind(list_id)
        .bind(search)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds (or updates) entries, audited as one change.
    pub async fn add_list_entries_audited(&self, list_id: i64, entries: &[NewListEntry], actor: &Actor) -> Result<u64> {
        self.number_list(list_id).await?;
        let written = self.add_list_entries(list_id, entries).await?;
        let details = match entries {
            [entry] => {
                serde_json::json!({ "pattern": entry.pattern, "is_prefix": entry.is_prefix, "reason": entry.reason })
            }
            _ => serde_json::json!({ "entries": entries.len() }),
        };
        self.audit(actor, "add_entries", "list", Some(list_id), details).await?;
        Ok(written)
    }

    /// Removes one entry, audited; false if it was not there.
    pub async fn remove_list_entry(&self, list_id: i64, pattern: &str, actor: &Actor) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM list_entries WHERE list_id = $1 AND pattern = $2")
            .bind(list_id)
            .bind(pattern)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({ "pattern": pattern });
        audit::record(&mut transaction, actor, "remove_entry", "list", Some(list_id), details).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Puts a number on the global opt-out blacklist (again: its reason is
    /// updated), audited.
    pub async fn opt_out(&self, phone: &str, reason: &str, actor: &Actor) -> Result<()> {
        let list_id = self.opt_out_list().await?;
        let entry = NewListEntry {
            pattern: phone.to_owned(),
            is_prefix: false,
            reason: Some(reason.to_owned()),
            expires_at: None,
        };
        self.add_list_entries_audited(list_id, &[entry], actor).await?;
        Ok(())
    }

    /// The global opt-out blacklist, made on first use.
    pub async fn opt_out_list(&self) -> Result<i64> {
        let existing: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM lists WHERE name = $1 AND kind = 'black' AND campaign_id IS NULL ORDER BY id LIMIT 1",
        )
        .bind(OPT_OUT_LIST)
        .fetch_optional(&self.pool)
        .await?;
        match existing {
            Some((id,)) => Ok(id),
            None => self.create_list(OPT_OUT_LIST, "black", None).await,
        }
    }
}
