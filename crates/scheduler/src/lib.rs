//! The Scheduler: campaign housekeeping by one elected leader.
//!
//! Every scheduler node tries to take a Postgres session advisory lock; the
//! one that holds it is the leader, the others stand by and retry each tick.
//! If the leader dies its connection closes, the lock is released, and a
//! standby takes over on its next tick. The leader, each tick:
//! - re-queues contacts whose Talker lease expired (the Talker died or lost
//!   Postgres), recording the open attempt as `lost_with_node`;
//! - starts, pauses and stops campaigns by their schedules (cron or dates,
//!   in the campaign's zone; a manual change overrides the schedule);
//! - marks running campaigns with nothing left to dial as completed;
//! - rests caller IDs whose answer rate collapsed.
//!
//! Calling windows and retry rules are applied where a contact's next
//! instant is computed (the Talker, after each attempt; `herald_policy`).
//! The Scheduler never places calls and never talks to a Talker.

use std::time::Duration;

use herald_config::SchedulerConfig;
use herald_policy::{CampaignSchedule, ScheduleVerdict};
use herald_store::{CampaignAction, CampaignStatus, Store};
use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// The advisory lock key that elects the leader ("HERALD01" in ASCII).
const LEADER_LOCK: i64 = 0x4845_5241_4c44_3031;
/// Contacts reaped per statement.
const REAP_BATCH: i64 = 1000;
/// A contact lost with dead nodes this many times is finished as lost.
const MAX_LOST_ATTEMPTS: i32 = 5;
/// How often caller IDs' answer rates are checked.
const CALLER_ID_CHECK: Duration = Duration::from_secs(60);

pub struct Scheduler {
    node_id: String,
    config: SchedulerConfig,
    store: Store,
    /// When caller IDs were last checked for resting.
    caller_ids_checked: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Scheduler {
    pub fn new(node_id: String, config: SchedulerConfig, store: Store) -> Scheduler {
        Scheduler { node_id, config, store, caller_ids_checked: std::sync::Mutex::new(None) }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut ticker = tokio::time::interval(Duration::from_millis(self.config.tick_ms));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut leadership: Option<PoolConnection<Postgres>> = None;
        info!(node = %self.node_id, "scheduler started");
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = shutdown.cancelled() => break,
            }
            if !self.hold_leadership(&mut leadership).await {
                continue;
            }
            if let Err(error) = self.tick().await {
                warn!(%error, "scheduler tick failed");
            }
        }
        if let Some(mut connection) = leadership.take() {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(LEADER_LOCK).execute(&mut *connection).await;
        }
        info!("scheduler stopped");
    }

    /// Keeps (or tries to take) the leader lock; true while we lead.
    async fn hold_leadership(&self, leadership: &mut Option<PoolConnection<Postgres>>) -> bool {
        if let Some(connection) = leadership.as_mut() {
            // The lock lives as long as the session: check the session is alive.
            if sqlx::query("SELECT 1").execute(&mut **connection).await.is_ok() {
                return true;
            }
            warn!("lost the leader session");
            *leadership = None;
        }
        let Ok(mut connection) = self.store.pool().acquire().await else {
            return false;
        };
        let acquired: Result<(bool,), _> =
            sqlx::query_as("SELECT pg_try_advisory_lock($1)").bind(LEADER_LOCK).fetch_one(&mut *connection).await;
        match acquired {
            Ok((true,)) => {
                info!(node = %self.node_id, "became scheduler leader");
                // Keep this connection out of the pool: it holds the lock.
                *leadership = Some(connection);
                true
            }
            _ => false,
        }
    }

    async fn tick(&self) -> herald_store::Result<()> {
        loop {
            let reaped = self.store.reap_expired_leases(REAP_BATCH, MAX_LOST_ATTEMPTS).await?;
            if reaped > 0 {
                warn!(reaped, "re-queued contacts whose lease expired");
            }
            if reaped < REAP_BATCH as u64 {
                break;
            }
        }
        self.follow_schedules().await?;
        for campaign in self.store.complete_finished_campaigns().await? {
            info!(campaign, "campaign completed");
        }
        self.rest_caller_ids().await
    }

    /// Rests caller IDs whose answer rate collapsed (once a minute).
    async fn rest_caller_ids(&self) -> herald_store::Result<()> {
        let config = &self.config;
        if config.caller_id_rest_min_calls == 0 {
            return Ok(());
        }
        {
            let mut checked = self.caller_ids_checked.lock().expect("caller id check poisoned");
            if checked.is_some_and(|at| at.elapsed() < CALLER_ID_CHECK) {
                return Ok(());
            }
            *checked = Some(std::time::Instant::now());
        }
        let rested = self
            .store
            .rest_collapsed_caller_ids(
                i64::from(config.caller_id_rest_min_calls),
                config.caller_id_rest_below,
                i64::try_from(config.caller_id_rest_secs).unwrap_or(i64::MAX),
            )
            .await?;
        for number in rested {
            warn!(%number, rest_secs = config.caller_id_rest_secs, "caller ID resting: its answer rate collapsed");
        }
        Ok(())
    }

    /// Starts, pauses and ends campaigns by their schedules (cron in the
    /// campaign's zone, start and end dates); a manager's last manual action
    /// wins until the schedule's next event.
    async fn follow_schedules(&self) -> herald_store::Result<()> {
        let now = chrono::Utc::now();
        for campaign in self.store.scheduled_campaigns().await? {
            let schedule = match CampaignSchedule::new(
                campaign.schedule_start_cron.as_deref(),
                campaign.schedule_stop_cron.as_deref(),
                campaign.starts_at,
                campaign.ends_at,
                &campaign.timezone,
            ) {
                Ok(schedule) => schedule,
                Err(error) => {
                    warn!(campaign = campaign.id, %error, "invalid schedule: ignored");
                    continue;
                }
            };
            // A schedule moves a campaign with a manager's actions, by the lifecycle's table.
            let actions: &[CampaignAction] = match schedule.verdict(campaign.schedule_override_at, now) {
                Some(ScheduleVerdict::Run) => &[CampaignAction::Start, CampaignAction::Resume],
                Some(ScheduleVerdict::Pause) => &[CampaignAction::Pause],
                Some(ScheduleVerdict::End) => &[CampaignAction::Stop],
                None => continue,
            };
            let status = CampaignStatus::parse(&campaign.status);
            let Some(target) = status.and_then(|status| actions.iter().find_map(|action| action.target_from(status)))
            else {
                continue;
            };
            if self.store.apply_schedule(campaign.id, &campaign.status, target, &self.node_id).await? {
                info!(campaign = campaign.id, from = %campaign.status, to = target.as_str(), "schedule applied");
            }
        }
        Ok(())
    }
}
