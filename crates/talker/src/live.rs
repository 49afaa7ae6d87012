//! What this node tells the dashboards: calls in progress, INVITEs sent and
//! attempts recorded, gathered under one lock by the call tasks and
//! published as one [`Tick`] every [`TICK`] by [`publish_ticks`]. Best
//! effort: while Redis is away the attempts wait (at most
//! [`MAX_PENDING_ATTEMPTS`]) and the rest are counted as dropped. The record
//! itself is in Postgres either way.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use herald_coord::{ActiveCalls, AttemptEvent, Tick};
use herald_store::AttemptRecord;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::Shared;

/// How often a tick is published (the dashboard's latency is at most this
/// plus a Redis round trip).
pub(crate) const TICK: Duration = Duration::from_millis(200);
const MAX_PENDING_ATTEMPTS: usize = 20_000;

#[derive(Default)]
pub(crate) struct LiveFeed {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    /// (trunk, campaign) → calls between their INVITE and their end.
    active: HashMap<(i64, i64), u64>,
    dialed: HashMap<i64, u64>,
    attempts: Vec<AttemptEvent>,
    dropped: u64,
}

impl LiveFeed {
    /// An INVITE went out: the call counts as active until [`LiveFeed::call_ended`].
    pub(crate) fn call_started(&self, trunk_id: i64, campaign_id: i64) {
        let mut pending = self.pending.lock().expect("live feed poisoned");
        *pending.active.entry((trunk_id, campaign_id)).or_default() += 1;
        *pending.dialed.entry(trunk_id).or_default() += 1;
    }

    pub(crate) fn call_ended(&self, trunk_id: i64, campaign_id: i64) {
        let mut pending = self.pending.lock().expect("live feed poisoned");
        if let Some(count) = pending.active.get_mut(&(trunk_id, campaign_id)) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                pending.active.remove(&(trunk_id, campaign_id));
            }
        }
    }

    /// The attempt's record was just committed.
    pub(crate) fn recorded(&self, record: &AttemptRecord, campaign_id: i64, contact_id: i64, phone: &str) {
        let event = AttemptEvent {
            id: record.attempt_id,
            campaign_id,
            contact_id,
            phone: phone.to_owned(),
            outcome: record.outcome.as_str().to_owned(),
            sip_code: record.sip_code,
            trunk_id: record.trunk_id,
            talk_ms: record.talk_ms,
            ended_at: Some(record.ended_at.timestamp_millis()),
            written_at: Utc::now().timestamp_millis(),
        };
        let mut pending = self.pending.lock().expect("live feed poisoned");
        if pending.attempts.len() < MAX_PENDING_ATTEMPTS {
            pending.attempts.push(event);
        } else {
            pending.dropped += 1;
        }
    }

    /// The tick so far; the interval's counters start again.
    fn tick(&self, node: &str, interval: Duration) -> Tick {
        let mut pending = self.pending.lock().expect("live feed poisoned");
        let mut active = ActiveCalls::default();
        let mut by_trunk: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_campaign: BTreeMap<String, u64> = BTreeMap::new();
        for (&(trunk, campaign), &count) in &pending.active {
            active.total += count;
            *by_trunk.entry(trunk.to_string()).or_default() += count;
            *by_campaign.entry(campaign.to_string()).or_default() += count;
        }
        active.by_trunk = by_trunk;
        active.by_campaign = by_campaign;
        let dialed_by_trunk = pending.dialed.drain().map(|(trunk, count)| (trunk.to_string(), count)).collect();
        let attempts = std::mem::take(&mut pending.attempts);
        let dropped_attempts = std::mem::take(&mut pending.dropped);
        Tick {
            node: node.to_owned(),
            at: Utc::now().timestamp_millis(),
            interval_ms: interval.as_millis() as u64,
            active_calls: active,
            dialed_by_trunk,
            attempts,
            dropped_attempts,
        }
    }

    /// Puts back the attempts of a tick that could not be published.
    fn restore(&self, tick: Tick) {
        let mut pending = self.pending.lock().expect("live feed poisoned");
        let room = MAX_PENDING_ATTEMPTS.saturating_sub(pending.attempts.len());
        let kept = tick.attempts.len().min(room);
        pending.dropped += tick.dropped_attempts + (tick.attempts.len() - kept) as u64;
        let mut attempts = tick.attempts;
        attempts.truncate(kept);
        attempts.append(&mut pending.attempts);
        pending.attempts = attempts;
    }
}

/// Publishes this node's ticks until `stop`, then once more (the last
/// attempts of a drain).
pub(crate) async fn publish_ticks(shared: Arc<Shared>, stop: CancellationToken) {
    let Some(coord) = shared.coord.clone() else { return };
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut idle_ticks = 0_u32;
    loop {
        let stopping = tokio::select! {
            _ = interval.tick() => false,
            () = stop.cancelled() => true,
        };
        let now = Instant::now();
        let tick = shared.live.tick(&shared.node_id, now - last);
        last = now;
        // An idle node says so once a second, not five times.
        let idle = tick.attempts.is_empty() && tick.dialed_by_trunk.is_empty() && tick.active_calls.total == 0;
        idle_ticks = if idle { idle_ticks + 1 } else { 0 };
        if (!idle || idle_ticks % 5 == 1 || stopping)
            && let Err(error) = coord.publish_tick(&tick).await
        {
            debug!(%error, "live tick not published");
            shared.live.restore(tick);
        }
        if stopping {
            return;
        }
    }
}
