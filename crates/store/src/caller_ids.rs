//! Caller-ID (ANI) pools: the numbers a campaign presents, how much each was
//! used today, and resting the numbers whose answer rate collapsed. It never
//! picks the number for a call (the Talker does, by the pool's strategy).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CallerIdPool {
    pub id: i64,
    pub name: String,
    /// fixed, round_robin, local_presence or least_used.
    pub strategy: String,
    pub created_at: DateTime<Utc>,
}

/// One number of a pool, with its calls today (the UTC day, every campaign
/// that presented it).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CallerId {
    pub id: i64,
    pub pool_id: i64,
    pub number: String,
    /// Calls per day; `None`: no cap.
    pub daily_cap: Option<i32>,
    /// Resting (not presented) until then, after its answer rate collapsed.
    pub rested_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub used_today: i64,
}

/// A pool with its numbers, in the pool's order.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CallerIdPoolDetail {
    #[serde(flatten)]
    pub pool: CallerIdPool,
    pub numbers: Vec<CallerId>,
}

impl Store {
    pub async fn caller_id_pools(&self) -> Result<Vec<CallerIdPool>> {
        Ok(sqlx::query_as::<_, CallerIdPool>("SELECT id, name, strategy, created_at FROM caller_id_pools ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    /// The pool and its numbers with today's use.
    pub async fn caller_id_pool(&self, pool_id: i64) -> Result<CallerIdPoolDetail> {
        let pool = sqlx::query_as::<_, CallerIdPool>(
            "SELECT id, name, strategy, created_at FROM caller_id_pools WHERE id = $1",
        )
        .bind(pool_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound { entity: "caller ID pool", id: pool_id })?;
        let numbers = sqlx::query_as::<_, CallerId>(
            "SELECT c.id, c.pool_id, c.number, c.daily_cap, c.rested_until, c.enabled, \
                    (SELECT count(*) FROM attempts a \
                     WHERE a.caller_id = c.number \
                       AND a.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') \
                    AS used_today \
             FROM caller_ids c WHERE c.pool_id = $1 ORDER BY c.id",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(CallerIdPoolDetail { pool, numbers })
    }

    /// Creates a pool, audited; `Conflict` when the name is taken.
    pub async fn add_caller_id_pool(&self, name: &str, strategy: &str, actor: &Actor) -> Result<Change<CallerIdPool>> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, CallerIdPool>(
            "INSERT INTO caller_id_pools (name, strategy) VALUES ($1, $2) RETURNING id, name, strategy, created_at",
        )
        .bind(name)
        .bind(strategy)
        .fetch_one(&mut *transaction)
        .await;
        let pool = match created {
            Ok(pool) => pool,
            Err(error) => return refused(error, Some("a caller ID pool with this name already exists"), None),
        };
        let details = serde_json::json!({ "name": name, "strategy": strategy });
        audit::record(&mut transaction, actor, "create", "caller_id_pool", Some(pool.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(pool))
    }

    /// Renames a pool or changes its strategy, audited; `Conflict` when the
    /// name is taken.
    pub async fn update_caller_id_pool(
        &self,
        pool_id: i64,
        name: &str,
        strategy: &str,
        actor: &Actor,
    ) -> Result<Change<CallerIdPool>> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query_as::<_, CallerIdPool>(
            "UPDATE caller_id_pools SET name = $2, strategy = $3 WHERE id = $1 RETURNING id, name, strategy, created_at",
        )
        .bind(pool_id)
        .bind(name)
        .bind(strategy)
        .fetch_optional(&mut *transaction)
        .await;
        let pool = match updated {
            Ok(Some(pool)) => pool,
            Ok(None) => return Err(crate::Error::NotFound { entity: "caller ID pool", id: pool_id }),
            Err(error) => return refused(error, Some("a caller ID pool with this name already exists"), None),
        };
        let details = serde_json::json!({ "name": name, "strategy": strategy });
        audit::record(&mut transaction, actor, "update", "caller_id_pool", Some(pool_id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(pool))
    }

    /// Deletes a pool no campaign presents numbers from (and its numbers),
    /// audited.
    pub async fn delete_caller_id_pool(&self, pool_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row(
            "caller_id_pools",
            "caller ID pool",
            pool_id,
            actor,
            "a campaign presents numbers from this pool",
        )
        .await
    }

    /// Adds a number to a pool (or changes its cap and whether it is
    /// enabled), audited.
    pub async fn put_caller_id(
        &self,
        pool_id: i64,
        number: &str,
        daily_cap: Option<i32>,
        enabled: bool,
        actor: &Actor,
    ) -> Result<()> {
        self.caller_id_pool(pool_id).await?;
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO caller_ids (pool_id, number, daily_cap, enabled) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (pool_id, number) DO UPDATE SET daily_cap = EXCLUDED.daily_cap, enabled = EXCLUDED.enabled",
        )
        .bind(pool_id)
        .bind(number)
        .bind(daily_cap)
        .bind(enabled)
        .execute(&mut *transaction)
        .await?;
        let details = serde_json::json!({ "number": number, "daily_cap": daily_cap, "enabled": enabled });
        audit::record(&mut transaction, actor, "put_number", "caller_id_pool", Some(pool_id), details).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes a number from a pool, audited; false if it was not there.
    pub async fn remove_caller_id(&self, pool_id: i64, number: &str, actor: &Actor) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM caller_ids WHERE pool_id = $1 AND number = $2")
            .bind(pool_id)
            .bind(number)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({ "number": number });
        audit::record(&mut transaction, actor, "remove_number", "caller_id_pool", Some(pool_id), details).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Rests, for `rest_secs`, every enabled caller ID that presented at
    /// least `min_calls` calls ended in the last 24 hours with an answer
    /// rate below `below` — the pattern of a number carriers label as spam.
    /// Returns the numbers rested.
    pub async fn rest_collapsed_caller_ids(
        &self,
        fence: &crate::LeaderFence,
        min_calls: i64,
        below: f64,
        rest_secs: i64,
    ) -> Result<Vec<String>> {
        self.timed(async {
            let mut transaction = self.begin_as_leader(fence).await?;
            let rested: Vec<(String,)> = sqlx::query_as(
                "WITH rates AS ( \
                     SELECT a.caller_id, count(*) AS calls, count(*) FILTER (WHERE a.outcome = 'answered') AS answered \
                     FROM attempts a \
                     WHERE a.created_at > now() - interval '24 hours' AND a.outcome IS NOT NULL \
                       AND a.caller_id IN (SELECT number FROM caller_ids WHERE enabled) \
                     GROUP BY a.caller_id) \
                 UPDATE caller_ids c SET rested_until = now() + make_interval(secs => $3) \
                 FROM rates r \
                 WHERE c.number = r.caller_id AND c.enabled \
                   AND (c.rested_until IS NULL OR c.rested_until < now()) \
                   AND r.calls >= $1 AND r.answered::double precision / r.calls < $2 \
                 RETURNING c.number",
            )
            .bind(min_calls)
            .bind(below)
            .bind(rest_secs as f64)
            .fetch_all(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(rested.into_iter().map(|(number,)| number).collect())
        })
        .await
    }
}
