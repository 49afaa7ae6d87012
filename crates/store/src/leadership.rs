//! The Scheduler's leadership: a lease row with a fencing epoch.
//!
//! One Scheduler holds the lease at a time; it renews it every tick and it
//! expires on Postgres's clock when the holder stops (a crash, a vanished
//! host, a partition), so a standby takes over within the lease's length.
//! Every action of the leader ([`Store::reap_expired_leases`],
//! [`Store::complete_finished_campaigns`], [`Store::apply_schedule`],
//! [`Store::rest_collapsed_caller_ids`]) runs in a transaction that first
//! checks the lease is still its own under a share lock: a takeover waits
//! for that transaction, and a leader whose lease moved on acts no more,
//! whatever its own clock says ([`Error::NotLeader`]).

use std::time::Duration;

use sqlx::{Postgres, Transaction};

use crate::{Error, Result, Store};

/// Proof of leadership that every leader action carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderFence {
    pub holder: String,
    pub epoch: i64,
}

impl Store {
    /// Takes the leadership if nobody holds it or its lease expired, or
    /// renews it if `holder` holds it; `None` when another holds it. The
    /// epoch changes whenever the leadership changes hands.
    pub async fn hold_leadership(&self, holder: &str, lease: Duration) -> Result<Option<LeaderFence>> {
        self.timed(async {
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO scheduler_leader AS l (id, holder, epoch, until) \
                 VALUES (1, $1, 1, now() + make_interval(secs => $2)) \
                 ON CONFLICT (id) DO UPDATE SET \
                     epoch = CASE WHEN l.holder = EXCLUDED.holder THEN l.epoch ELSE l.epoch + 1 END, \
                     acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END, \
                     holder = EXCLUDED.holder, until = EXCLUDED.until \
                 WHERE l.holder = EXCLUDED.holder OR l.until < now() \
                 RETURNING epoch",
            )
            .bind(holder)
            .bind(lease.as_secs_f64())
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(epoch,)| LeaderFence { holder: holder.to_owned(), epoch }))
        })
        .await
    }

    /// Gives the leadership up (on shutdown), so that a standby need not
    /// wait for the lease to expire.
    pub async fn release_leadership(&self, fence: &LeaderFence) -> Result<()> {
        self.timed(async {
            sqlx::query(
                "UPDATE scheduler_leader SET until = now() - interval '1 second' WHERE holder = $1 AND epoch = $2",
            )
            .bind(&fence.holder)
            .bind(fence.epoch)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
        .await
    }

    /// Who leads now, and until when (for operators).
    pub async fn leader(&self) -> Result<Option<(String, i64, chrono::DateTime<chrono::Utc>)>> {
        self.timed(async {
            Ok(sqlx::query_as("SELECT holder, epoch, until FROM scheduler_leader WHERE id = 1 AND until > now()")
                .fetch_optional(&self.pool)
                .await?)
        })
        .await
    }

    /// Begins a leader's transaction: fails with [`Error::NotLeader`] unless
    /// `fence` still holds an unexpired lease, which stays share-locked (no
    /// takeover) until the transaction ends.
    pub(crate) async fn begin_as_leader(&self, fence: &LeaderFence) -> Result<Transaction<'static, Postgres>> {
        let mut transaction = self.pool.begin().await?;
        let held: Option<(i64,)> = sqlx::query_as(
            "SELECT epoch FROM scheduler_leader WHERE id = 1 AND holder = $1 AND epoch = $2 AND until > now() FOR SHARE",
        )
        .bind(&fence.holder)
        .bind(fence.epoch)
        .fetch_optional(&mut *transaction)
        .await?;
        if held.is_none() {
            transaction.rollback().await?;
            return Err(Error::NotLeader);
        }
        Ok(transaction)
    }
}
