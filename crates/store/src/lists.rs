//! Black and white lists: the lists and their entries (a page at a time,
//! changes audited), the verdicts Talkers ask for a claimed batch of numbers,
//! and the global opt-out list. It never decides what a verdict means for a
//! call (the policy crate does).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

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

/// What the black and white lists say about one number in one campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ListVerdict {
    /// On a global or campaign blacklist (number or prefix, not expired).
    pub blacklisted: bool,
    /// On one of the campaign's (or a global) whitelists.
    pub whitelisted: bool,
}

/// One entry to put on a list.
#[derive(Debug, Clone)]
pub struct NewListEntry {
    /// An E.164 number (`+4930123456`) or, with `is_prefix`, its beginning (`+4930`).
    pub pattern: String,
    pub is_prefix: bool,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
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
        self.timed(async {
            let list_id = self.opt_out_list().await?;
            let entry = NewListEntry {
                pattern: phone.to_owned(),
                is_prefix: false,
                reason: Some(reason.to_owned()),
                expires_at: None,
            };
            self.add_list_entries_audited(list_id, &[entry], actor).await?;
            Ok(())
        })
        .await
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

    /// Creates a black (`kind = "black"`) or white list, global when
    /// `campaign_id` is `None`.
    pub async fn create_list(&self, name: &str, kind: &str, campaign_id: Option<i64>) -> Result<i64> {
        let (id,): (i64,) =
            sqlx::query_as("INSERT INTO lists (name, kind, campaign_id) VALUES ($1, $2, $3) RETURNING id")
                .bind(name)
                .bind(kind)
                .bind(campaign_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(id)
    }

    /// Adds entries in one statement; an entry already on the list is
    /// updated (reason, expiry). Returns how many rows were written.
    pub async fn add_list_entries(&self, list_id: i64, entries: &[NewListEntry]) -> Result<u64> {
        let patterns: Vec<&str> = entries.iter().map(|entry| entry.pattern.as_str()).collect();
        let prefixes: Vec<bool> = entries.iter().map(|entry| entry.is_prefix).collect();
        let reasons: Vec<Option<&str>> = entries.iter().map(|entry| entry.reason.as_deref()).collect();
        let expiries: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            entries.iter().map(|entry| entry.expires_at).collect();
        let written = sqlx::query(
            "INSERT INTO list_entries (list_id, pattern, is_prefix, reason, expires_at) \
             SELECT $1, pattern, is_prefix, reason, expires_at \
             FROM UNNEST($2::text[], $3::bool[], $4::text[], $5::timestamptz[]) \
                  AS input(pattern, is_prefix, reason, expires_at) \
             ON CONFLICT (pattern, list_id) DO UPDATE \
             SET is_prefix = EXCLUDED.is_prefix, reason = EXCLUDED.reason, expires_at = EXCLUDED.expires_at",
        )
        .bind(list_id)
        .bind(&patterns)
        .bind(&prefixes)
        .bind(&reasons)
        .bind(&expiries)
        .execute(&self.pool)
        .await?;
        Ok(written.rows_affected())
    }

    /// What the global and the campaign's lists say about `phone` (E.164).
    /// One index probe per prefix of the number (`list_entries`' primary key
    /// starts with the pattern), so it stays fast at tens of millions of
    /// entries.
    pub async fn list_verdict(&self, campaign_id: i64, phone: &str) -> Result<ListVerdict> {
        let verdicts = self.list_verdicts(campaign_id, &[phone]).await?;
        Ok(verdicts.first().copied().unwrap_or_default())
    }

    /// [`Store::list_verdict`] for many numbers in one round trip (a
    /// Talker's claimed batch), in the order of `phones`.
    pub async fn list_verdicts(&self, campaign_id: i64, phones: &[&str]) -> Result<Vec<ListVerdict>> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        // Per number, its prefixes "+4", "+49", …, "+4930123456" probe the
        // index, exactly as for one number.
        let rows: Vec<(bool, bool)> = self
            .timed(async {
                Ok(sqlx::query_as(
                    "SELECT coalesce(v.black, false), coalesce(v.white, false) \
             FROM unnest($1::text[]) WITH ORDINALITY AS p(phone, ord) \
             LEFT JOIN LATERAL ( \
                 SELECT bool_or(l.kind = 'black') AS black, bool_or(l.kind = 'white') AS white \
                 FROM list_entries e JOIN lists l ON l.id = e.list_id \
                 WHERE e.pattern = ANY(ARRAY(SELECT left(p.phone, n) FROM generate_series(2, length(p.phone)) n)) \
                   AND (e.is_prefix OR e.pattern = p.phone) \
                   AND (e.expires_at IS NULL OR e.expires_at > now()) \
                   AND (l.campaign_id IS NULL OR l.campaign_id = $2)) v ON true \
             ORDER BY p.ord",
                )
                .bind(phones)
                .bind(campaign_id)
                .fetch_all(&self.pool)
                .await?)
            })
            .await?;
        Ok(rows.into_iter().map(|(blacklisted, whitelisted)| ListVerdict { blacklisted, whitelisted }).collect())
    }
}
