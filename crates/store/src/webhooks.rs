//! Webhooks on attempt outcomes: their configuration and the delivery
//! queue that `finish_attempt` fills (see the migration). It never makes an
//! HTTP request (the webhook sender does).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{AttemptRow, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// `None`: every campaign.
    pub campaign_id: Option<i64>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// Deliveries waiting to be sent (first tries and retries).
    pub pending: i64,
    /// Deliveries given up after too many tries.
    pub failed: i64,
    pub delivered: i64,
    pub last_error: Option<String>,
}

/// One delivery of an attempt to a webhook, as its integrator sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    pub attempt_id: i64,
    /// Tries made (since the last manual retry).
    pub tries: i32,
    /// The HTTP status the endpoint last answered; `None`: no answer yet
    /// (not tried, or the connection failed: see `last_error`).
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Given up after too many tries (a retry makes it due again).
    pub failed: bool,
    /// When it is tried next; `None` once delivered or given up.
    pub next_try_at: Option<DateTime<Utc>>,
}

/// The columns of a [`WebhookDelivery`].
macro_rules! delivery_columns {
    () => {
        "id, attempt_id, tries, last_status, last_error, delivered_at, failed, \
         CASE WHEN delivered_at IS NULL AND NOT failed THEN next_try_at END AS next_try_at"
    };
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
        self.webhooks_with(None).await
    }

    pub async fn webhook(&self, webhook_id: i64) -> Result<Webhook> {
        self.webhooks_with(Some(webhook_id))
            .await?
            .pop()
            .ok_or(crate::Error::NotFound { entity: "webhook", id: webhook_id })
    }

    /// Every webhook, or the one of `webhook_id`, with its delivery counts.
    async fn webhooks_with(&self, webhook_id: Option<i64>) -> Result<Vec<Webhook>> {
        Ok(sqlx::query_as::<_, Webhook>(
            "SELECT w.id, w.url, w.campaign_id, w.enabled, w.created_at, \
                    count(d.id) FILTER (WHERE d.delivered_at IS NULL AND NOT d.failed) AS pending, \
                    count(d.id) FILTER (WHERE d.failed) AS failed, \
                    count(d.id) FILTER (WHERE d.delivered_at IS NOT NULL) AS delivered, \
                    (SELECT last_error FROM webhook_deliveries e WHERE e.webhook_id = w.id AND e.last_error IS NOT NULL \
                     ORDER BY e.id DESC LIMIT 1) AS last_error \
             FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id \
             WHERE $1::bigint IS NULL OR w.id = $1 \
             GROUP BY w.id ORDER BY w.id",
        )
        .bind(webhook_id)
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

    /// Changes where a webhook posts, which campaign it hears and whether it
    /// is enabled, audited. `Conflict` when the campaign does not exist.
    pub async fn update_webhook(
        &self,
        webhook_id: i64,
        url: &str,
        campaign_id: Option<i64>,
        enabled: bool,
        actor: &Actor,
    ) -> Result<Change<Webhook>> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query("UPDATE webhooks SET url = $2, campaign_id = $3, enabled = $4 WHERE id = $1")
            .bind(webhook_id)
            .bind(url)
            .bind(campaign_id)
            .bind(enabled)
            .execute(&mut *transaction)
            .await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => {
                return Err(crate::Error::NotFound { entity: "webhook", id: webhook_id });
            }
            Ok(_) => {}
            Err(error) => return refused(error, None, Some("the campaign does not exist")),
        }
        let details = serde_json::json!({ "url": url, "campaign_id": campaign_id, "enabled": enabled });
        audit::record(&mut transaction, actor, "update", "webhook", Some(webhook_id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(self.webhook(webhook_id).await?))
    }

    /// The webhook's latest `limit` deliveries, newest first.
    pub async fn webhook_deliveries(&self, webhook_id: i64, limit: i64) -> Result<Vec<WebhookDelivery>> {
        Ok(sqlx::query_as::<_, WebhookDelivery>(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Makes a delivery that was given up (or is waiting out its back-off)
    /// due now, its tries counted afresh, audited. `Conflict` when it was
    /// delivered.
    pub async fn retry_delivery(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        actor: &Actor,
    ) -> Result<Change<WebhookDelivery>> {
        let mut transaction = self.pool.begin().await?;
        let retried = sqlx::query_as::<_, WebhookDelivery>(concat!(
            "UPDATE webhook_deliveries SET tries = 0, failed = FALSE, next_try_at = now() \
             WHERE id = $2 AND webhook_id = $1 AND delivered_at IS NULL RETURNING ",
            delivery_columns!()
        ))
        .bind(webhook_id)
        .bind(delivery_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(delivery) = retried else {
            // Not retried: it was delivered, or it is not this webhook's.
            let exists: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM webhook_deliveries WHERE id = $2 AND webhook_id = $1")
                    .bind(webhook_id)
                    .bind(delivery_id)
                    .fetch_optional(&mut *transaction)
                    .await?;
            return match exists {
                Some(_) => Ok(Change::Conflict("the delivery was made: there is nothing to retry")),
                None => Err(crate::Error::NotFound { entity: "webhook delivery", id: delivery_id }),
            };
        };
        let details = serde_json::json!({ "delivery_id": delivery_id });
        audit::record(&mut transaction, actor, "retry_delivery", "webhook", Some(webhook_id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(delivery))
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
    /// node takes them after that if this one dies mid-delivery). A disabled
    /// webhook's deliveries wait until it is enabled again.
    pub async fn take_due_deliveries(&self, limit: i64, lease_secs: i64) -> Result<Vec<DueDelivery>> {
        // One statement: lease the due rows and read what sending them needs.
        let rows: Vec<DueRow> = sqlx::query_as(concat!(
            "WITH taken AS ( \
                 UPDATE webhook_deliveries SET next_try_at = now() + make_interval(secs => $2), tries = tries + 1 \
                 WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
                              WHERE d.delivered_at IS NULL AND NOT d.failed AND d.next_try_at <= now() AND w.enabled \
                              ORDER BY d.next_try_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED) \
                 RETURNING id, webhook_id, tries, attempt_id) \
             SELECT t.id AS delivery_id, t.webhook_id, t.tries, w.url, w.secret, ",
            crate::reports::attempt_row_columns!(),
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
