//! The Scheduler: campaign housekeeping by one elected leader.
//!
//! Every scheduler node tries to take the leader's lease in Postgres
//! (`Store::hold_leadership`); the one that holds it leads and renews it
//! each tick, the others stand by and retry each tick. If the leader stops
//! renewing — it died, its host vanished, it lost Postgres — the lease
//! expires on Postgres's clock and a standby leads `leader_lease_secs`
//! later. Every action of the leader is fenced by the lease's epoch in the
//! statement that makes it, so a leader that was cut off and comes back
//! cannot act after another took over. The leader, each tick:
//! - re-queues contacts whose Talker lease expired (the Talker died or lost
//!   Postgres), recording the open attempt as `lost_with_node`; the
//!   contact waits the campaign's retry delay, because the call may have
//!   been answered. After it becomes leader, or reaches Postgres again, it
//!   re-queues nothing for `reap_grace_secs`: leases that expired while
//!   the database was away belong to Talkers that may now renew them or
//!   replay their records;
//! - starts, pauses and stops campaigns by their schedules (cron or dates,
//!   in the campaign's zone; a manual change overrides the schedule);
//! - marks running campaigns with nothing left to dial as completed;
//! - rests caller IDs whose answer rate collapsed.
//!
//! Calling windows and retry rules are applied where a contact's next
//! instant is computed (the Talker, after each attempt; `herald_policy`).
//! The Scheduler never places calls and never talks to a Talker.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use herald_config::SchedulerConfig;
use herald_policy::{CampaignSchedule, RetryRules, ScheduleVerdict};
use herald_store::{CampaignAction, CampaignStatus, LeaderFence, Store};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Contacts reaped per statement.
const REAP_BATCH: i64 = 1000;
/// A contact lost with dead nodes this many times is finished as lost.
const MAX_LOST_ATTEMPTS: i32 = 5;
/// How often caller IDs' answer rates are checked.
const CALLER_ID_CHECK: Duration = Duration::from_secs(60);

pub struct Scheduler {
    node_id: String,
    /// This process as the leader lease's holder: the node id and a token
    /// of this run, so that a restarted node is a new holder.
    holder: String,
    config: SchedulerConfig,
    store: Store,
    /// When caller IDs were last checked for resting.
    caller_ids_checked: std::sync::Mutex<Option<std::time::Instant>>,
}

/// The leadership as this Scheduler knows it.
struct Leading {
    fence: LeaderFence,
    /// When the lease was last renewed (the instant the renewal was sent).
    renewed: Instant,
    /// From when it may re-queue expired leases.
    reap_from: Instant,
}

impl Scheduler {
    pub fn new(node_id: String, config: SchedulerConfig, store: Store) -> Scheduler {
        let run = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let holder = format!("{node_id}#{:x}", run ^ i64::from(std::process::id()));
        Scheduler { node_id, holder, config, store, caller_ids_checked: std::sync::Mutex::new(None) }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut ticker = tokio::time::interval(Duration::from_millis(self.config.tick_ms));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut leading: Option<Leading> = None;
        // Whether the last round reached Postgres: coming back after it did
        // not starts a grace period before any reaping.
        let mut reached = true;
        info!(node = %self.node_id, holder = %self.holder, "scheduler started");
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = shutdown.cancelled() => break,
            }
            self.hold_leadership(&mut leading, &mut reached).await;
            let Some(leader) = &leading else { continue };
            match self.tick(leader).await {
                Ok(()) => {}
                Err(herald_store::Error::NotLeader) => {
                    warn!("the leader lease moved on: standing by");
                    leading = None;
                }
                Err(error) => {
                    warn!(%error, "scheduler tick failed");
                    // Postgres away (or busy): reaping waits its grace once back.
                    if error.is_transient() {
                        reached = false;
                    }
                }
            }
        }
        if let Some(leader) = leading.take()
            && let Err(error) = self.store.release_leadership(&leader.fence).await
        {
            warn!(%error, "could not hand the leadership back; it expires on its own");
        }
        info!("scheduler stopped");
    }

    /// Renews (or tries to take) the leader's lease. A leader that cannot
    /// renew stops acting before its lease could have expired on
    /// Postgres's clock (its statements would be refused anyway).
    async fn hold_leadership(&self, leading: &mut Option<Leading>, reached: &mut bool) {
        let lease = Duration::from_secs(self.config.leader_lease_secs);
        let grace = Duration::from_secs(self.config.reap_grace_secs);
        let sent = Instant::now();
        // Bounded by a third of the lease, so that a leader cut off notices
        // (below) well before a standby may take over.
        let renewal = tokio::time::timeout(lease / 3, self.store.hold_leadership(&self.holder, lease)).await;
        let renewal = renewal.unwrap_or(Err(herald_store::Error::Deadline(lease / 3)));
        match renewal {
            Ok(Some(fence)) => {
                let came_back = !*reached;
                *reached = true;
                match leading {
                    Some(leader) if leader.fence == fence => {
                        leader.renewed = sent;
                        if came_back {
                            info!(grace_secs = grace.as_secs(), "postgres reachable again: reaping waits");
                            leader.reap_from = sent + grace;
                        }
                    }
                    _ => {
                        info!(node = %self.node_id, epoch = fence.epoch, grace_secs = grace.as_secs(), "became scheduler leader");
                        *leading = Some(Leading { fence, renewed: sent, reap_from: sent + grace });
                    }
                }
            }
            Ok(None) => {
                *reached = true;
                if leading.take().is_some() {
                    warn!("another scheduler holds the leader lease: standing by");
                }
            }
            Err(error) => {
                if *reached {
                    warn!(%error, "cannot reach postgres to hold the leader lease");
                }
                *reached = false;
                if let Some(leader) = leading
                    && leader.renewed.elapsed() > lease * 2 / 3
                {
                    warn!("leader lease not renewed in time: standing by");
                    *leading = None;
                }
            }
        }
    }

    async fn tick(&self, leader: &Leading) -> herald_store::Result<()> {
        let fence = &leader.fence;
        if Instant::now() >= leader.reap_from {
            self.reap(fence).await?;
        }
        self.follow_schedules(fence).await?;
        for campaign in self.store.complete_finished_campaigns(fence).await? {
            info!(campaign, "campaign completed");
        }
        self.rest_caller_ids(fence).await
    }

    /// Re-queues the contacts of expired leases, each campaign's waiting
    /// its lost-attempt delay (`RetryRules::lost_attempt_wait`).
    async fn reap(&self, fence: &LeaderFence) -> herald_store::Result<()> {
        let campaigns = self.store.campaigns_with_expired_leases().await?;
        if campaigns.is_empty() {
            return Ok(());
        }
        let waits: HashMap<i64, i64> = campaigns
            .into_iter()
            .map(|(campaign, rules)| {
                let rules: RetryRules = serde_json::from_value(rules).unwrap_or_default();
                (campaign, i64::try_from(rules.lost_attempt_wait()).unwrap_or(i64::MAX))
            })
            .collect();
        let waits: Vec<(i64, i64)> = waits.into_iter().collect();
        loop {
            let reaped = self.store.reap_expired_leases(fence, REAP_BATCH, MAX_LOST_ATTEMPTS, &waits).await?;
            if reaped > 0 {
                warn!(reaped, "re-queued contacts whose lease expired (each waits its campaign's retry delay)");
            }
            if reaped < REAP_BATCH as u64 {
                return Ok(());
            }
        }
    }

    /// Rests caller IDs whose answer rate collapsed (once a minute).
    async fn rest_caller_ids(&self, fence: &LeaderFence) -> herald_store::Result<()> {
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
                fence,
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
    async fn follow_schedules(&self, fence: &LeaderFence) -> herald_store::Result<()> {
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
            if self.store.apply_schedule(fence, campaign.id, &campaign.status, target).await? {
                info!(campaign = campaign.id, from = %campaign.status, to = target.as_str(), "schedule applied");
            }
        }
        Ok(())
    }
}
