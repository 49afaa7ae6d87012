//! Webhooks on attempt outcomes: their configuration and the delivery
//! queue that `finish_attempt` fills (see the migration).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::manage::{Change, refused};
use crate::{AttemptRow, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// `None`: every campaign.
    pub campaign_id: Option<i64>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// Deliveries waiting (including retries) and given up.
    pub pending: i64,
    pub failed: i64,
    pub delivered: i64,
    pub last_error: Option<String>,
}

/// A delivery to make now: where, how to sign it, and the attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub tries: i32,
    pub attempt: AttemptRow,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    delivery_id: i64,
    webhook_id: i64,
    tries: i32,
    url: String,
    secret: String,
    #[sqlx(flatten)]
    attempt: AttemptRow,
}

impl Store {
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        Ok(sqlx::query_as::<_, Webhook>(
            "SELECT w.id, w.url, w.campaign_id, w.enabled, w.created_at, \
                    count(d.id) FILTER (WHERE d.delivered_at IS NULL AND NOT d.failed) AS pending, \
                    count(d.id) FILTER (WHERE d.failed) AS failed, \
                    count(d.id) FILTER (WHERE d.delivered_at IS NOT NULL) AS delivered, \
                    (SELECT last_error FROM webhook_deliveries e WHERE e.webhook_id = w.id AND e.last_error IS NOT NULL \
                     ORDER BY e.id DESC LIMIT 1) AS last_error \
             FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id \
             GROUP BY w.id ORDER BY w.id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Creates a webhook, audited (the secret is not). `Conflict` when the
    /// campaign does not exist.
    pub async fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        campaign_id: Option<i64>,
        actor: &Actor,
    ) -> Result<Change<i64>> {
        let mut transaction = self.pool.begin().await?;
        let created: std::result::Result<(i64,), sqlx::Error> =
            sqlx::query_as("INSERT INTO webhooks (url, secret, campaign_id) VALUES ($1, $2, $3) RETURNING id")
                .bind(url)
                .bind(secret)
                .bind(campaign_id)
                .fetch_one(&mut *transaction)
                .await;
        let id = match created {
            Ok((id,)) => id,
            Err(error) => return refused(error, None, Some("the campaign does not exist")),
        };
        let details = serde_json::json!({ "url": url, "campaign_id": campaign_id });
        audit::record(&mut transaction, actor, "create", "webhook", Some(id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(id))
    }

    /// Removes a webhook and its queued deliveries, audited.
    pub async fn delete_webhook(&self, webhook_id: i64, actor: &Actor) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(webhook_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        audit::record(&mut transaction, actor, "delete", "webhook", Some(webhook_id), serde_json::json!({})).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Takes up to `limit` deliveries that are due, for `lease_secs` (another
    /// node takes them after that if this one dies mid-delivery).
    pub async fn take_due_deliveries(&self, limit: i64, lease_secs: i64) -> Result<Vec<DueDelivery>> {
        // One statement: lease the due rows and read what sending them needs.
        let rows: Vec<DueRow> = sqlx::query_as(concat!(
            "WITH taken AS ( \
                 UPDATE webhook_deliveries SET next_try_at = now() + make_interval(secs => $2), tries = tries + 1 \
                 WHERE id IN (SELECT id FROM webhook_deliveries \
                              WHERE delivered_at IS NULL AND NOT failed AND next_try_at <= now() \
                              ORDER BY next_try_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, webhook_id, tries, attempt_id) \
             SELECT t.id AS delivery_id, t.webhook_id, t.tries, w.url, w.secret, ",
            crate::imports::attempt_row_columns!(),
            " FROM taken t JOIN webhooks w ON w.id = t.webhook_id JOIN attempts a ON a.id = t.attempt_id"
        ))
        .bind(limit)
        .bind(lease_secs as f64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| DueDelivery {
                id: row.delivery_id,
                webhook_id: row.webhook_id,
                url: row.url,
                secret: row.secret,
                tries: row.tries,
                attempt: row.attempt,
            })
            .collect())
    }

    /// Records a delivery's result: delivered, or tried again after
    /// `retry_in_secs` (`None`: given up).
    pub async fn delivery_result(
        &self,
        delivery_id: i64,
        status: Option<u16>,
        error: Option<&str>,
        retry_in_secs: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET last_status = $2, last_error = $3, \
                 delivered_at = CASE WHEN $3::text IS NULL THEN now() END, \
                 failed = ($3::text IS NOT NULL AND $4::double precision IS NULL), \
                 next_try_at = CASE WHEN $4::double precision IS NULL THEN next_try_at \
                                    ELSE now() + make_interval(secs => $4) END \
             WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(status.map(i32::from))
        .bind(error)
        .bind(retry_in_secs.map(|secs| secs as f64))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
