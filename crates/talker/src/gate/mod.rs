//! Admission: whether, and when, a claimed call may send its INVITE.
//!
//! Every cap a call must respect has one gate on this node, one object that
//! owns all of that cap's state: a [`TrunkGate`] per carrier trunk (its
//! line leases, INVITE slots, rate under overload, circuit breaker) and a
//! [`CampaignGate`] per campaign with caps of its own (calls per second and
//! concurrent calls). Both are shared by the whole cluster through Redis,
//! and fall back to this node's local share of each cap while Redis is
//! away. A call awaits one [`Gates::admit`] and holds the [`Admission`] it
//! returns while it is up; dropping it gives back everything it held.
//!
//! # Where things are
//!
//! - `arithmetic`: every number decided with — slot spacing, local shares,
//!   dial-ahead, batch sizes, lateness, which wait is logged — as pure
//!   functions and constants, tested in microseconds;
//! - `slots`: one limiter's INVITE slots (a trunk's or a campaign's), booked
//!   in Redis in batches for the calls queued behind;
//! - `lines`: one cap's concurrent lines, leased in Redis, renewed,
//!   reconciled and pruned;
//! - `trunk` and `campaign`: the two kinds of gate;
//! - `redis`: every call to Redis admission makes (the scripts are
//!   `herald_coord`'s `limits`);
//! - here: the registry, the order of admission, and the give-back.
//!
//! # The path of a call
//!
//! 1. `lib.rs`, `claim_and_start`: a campaign is claimed no further ahead
//!    than its gates have room for ([`TrunkGate::dial_ahead_room`],
//!    [`CampaignGate::dial_ahead_room`]); each claimed contact counts as
//!    [`Waiting`] until its INVITE goes out.
//! 2. `call.rs`, `place_call`: for each trunk it tries, [`Gates::admit`]:
//!    the campaign's line, the trunk's line, then an INVITE slot that both
//!    the campaign's and the trunk's CPS allow.
//! 3. `dial.rs` places the call; when it ends, `place_call` drops the
//!    [`Admission`] (the lines go back in one batched round trip with other
//!    calls'), and tells the trunk's gate the answer
//!    ([`TrunkGate::answered`]: overload back-off; [`TrunkGate::tried`]: the
//!    breaker).

mod arithmetic;
mod campaign;
mod lines;
mod redis;
mod slots;
mod trunk;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_coord::Coord;
use herald_store::{DialPlan, Trunk};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::debug;

pub(crate) use arithmetic::Cap;
use arithmetic::{MAX_REBOOKINGS, MAX_SEND_LATENESS, MAX_SLOT_WAIT, Waits, on_time};
pub(crate) use campaign::{CampaignCaps, CampaignGate};
use lines::LineLeases;
use slots::{Booked, Rate, SlotBank};
pub(crate) use trunk::TrunkGate;

/// What every gate of this node shares.
pub(crate) struct Context {
    /// The cluster's caps in Redis.
    redis: redis::SharedCaps,
    /// Talkers alive at the last count (at least 1): the divisor of the
    /// local share when Redis is away.
    live_talkers: AtomicUsize,
}

impl Context {
    fn live_talkers(&self) -> usize {
        self.live_talkers.load(Ordering::Relaxed)
    }
}

/// This node's gates, by trunk and by campaign.
pub(crate) struct Gates {
    context: Arc<Context>,
    trunks: Mutex<HashMap<i64, Arc<TrunkGate>>>,
    campaigns: Mutex<HashMap<i64, Arc<CampaignGate>>>,
    /// Lines given back, for the give-back task to release in Redis in
    /// batches. `None` once [`Gates::close`] has run.
    releases: Mutex<Option<mpsc::Sender<Release>>>,
    give_back: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// One line to give back in Redis.
struct Release {
    lines: Arc<LineLeases>,
    attempt_id: i64,
}

/// Why a call left the gate without an INVITE slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aborted {
    WaitingForLine,
    BeforeDialing,
}

impl Aborted {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Aborted::WaitingForLine => "aborted while waiting for a free line",
            Aborted::BeforeDialing => "aborted before dialing",
        }
    }
}

impl Gates {
    /// Starts the give-back task (owned here: it ends when [`Gates::close`]
    /// has run and the last [`Admission`] is gone). `max_calls` bounds its
    /// queue: every call gives back two lines at most.
    pub(crate) fn new(coord: Option<Coord>, line_ttl: Duration, node_id: &str, max_calls: usize) -> Gates {
        let context = Arc::new(Context {
            redis: redis::SharedCaps::new(coord, node_id, line_ttl),
            live_talkers: AtomicUsize::new(1),
        });
        let (releases, received) = mpsc::channel(2 * max_calls.max(1));
        let give_back = tokio::spawn(give_back(Arc::clone(&context), received));
        Gates {
            context,
            trunks: Mutex::default(),
            campaigns: Mutex::default(),
            releases: Mutex::new(Some(releases)),
            give_back: Mutex::new(Some(give_back)),
        }
    }

    pub(crate) fn set_live_talkers(&self, count: usize) {
        self.context.live_talkers.store(count.max(1), Ordering::Relaxed);
    }

    /// The trunk's gate, made on first use; `trunk` is its latest config.
    pub(crate) fn trunk(&self, trunk: &Arc<Trunk>) -> Arc<TrunkGate> {
        let mut gates = self.trunks.lock().expect("trunk gates poisoned");
        match gates.get(&trunk.id) {
            Some(gate) => {
                if !Arc::ptr_eq(&gate.trunk(), trunk) {
                    gate.update(Arc::clone(trunk));
                }
                Arc::clone(gate)
            }
            None => {
                let gate = Arc::new(TrunkGate::new(Arc::clone(&self.context), Arc::clone(trunk)));
                gates.insert(trunk.id, Arc::clone(&gate));
                gate
            }
        }
    }

    /// The campaign's gate when it has caps of its own (made on first use,
    /// its caps updated from the plan); `None` when it has none.
    pub(crate) fn campaign(&self, plan: &DialPlan) -> Option<Arc<CampaignGate>> {
        let caps = CampaignCaps::of(plan);
        let mut gates = self.campaigns.lock().expect("campaign gates poisoned");
        if let Some(gate) = gates.get(&plan.id) {
            if gate.caps() != caps {
                gate.update(caps);
            }
            return caps.any().then(|| Arc::clone(gate));
        }
        if !caps.any() {
            return None;
        }
        let gate = Arc::new(CampaignGate::new(Arc::clone(&self.context), plan.id, caps));
        gates.insert(plan.id, Arc::clone(&gate));
        Some(gate)
    }

    /// Forgets the gates of campaigns that no longer run and have no call
    /// here (a finished campaign's leases are all given back by then).
    pub(crate) fn retain_campaigns(&self, running: &[DialPlan]) {
        let mut gates = self.campaigns.lock().expect("campaign gates poisoned");
        gates.retain(|id, gate| running.iter().any(|plan| plan.id == *id) || !gate.idle());
    }

    /// Takes over the breakers other nodes opened on these trunks.
    pub(crate) async fn take_over_breakers(&self, trunk_ids: &[i64]) {
        let open = self.context.redis.open_breakers(trunk_ids).await;
        let gates = self.trunks.lock().expect("trunk gates poisoned");
        for (trunk_id, remaining) in open {
            if let Some(gate) = gates.get(&trunk_id) {
                gate.breaker_opened_elsewhere(remaining);
            }
        }
    }

    /// Admits the attempt's call to `trunk` (and to its campaign's caps):
    /// waits for the campaign's line, the trunk's line, then an INVITE slot
    /// both allow. Whatever it took is given back if it is cancelled first.
    pub(crate) async fn admit(
        &self,
        campaign: Option<&CampaignGate>,
        trunk: &TrunkGate,
        attempt_id: i64,
        cancel: &CancellationToken,
    ) -> Result<Admission, Aborted> {
        let releases = self.releases.lock().expect("releases poisoned").clone();
        let mut admission = Admission { attempt_id, held: Vec::with_capacity(2), releases, waited: None };
        let mut waits = Waits::default();
        let caps = campaign.map(|gate| (gate, gate.caps()));
        if let Some((gate, CampaignCaps { lines: Some(max_lines), .. })) = caps {
            let began = Instant::now();
            if !gate.lines.take(&self.context, attempt_id, max_lines, cancel).await {
                return Err(Aborted::WaitingForLine);
            }
            admission.held.push(Arc::clone(&gate.lines));
            waits.campaign_lines = began.elapsed();
        }
        let began = Instant::now();
        if !trunk.lines.take(&self.context, attempt_id, trunk.max_lines(), cancel).await {
            return Err(Aborted::WaitingForLine);
        }
        admission.held.push(Arc::clone(&trunk.lines));
        waits.trunk_lines = began.elapsed();
        let campaign_cps = caps.and_then(|(gate, caps)| Some((gate, caps.cps?)));
        let sent = match campaign_cps {
            None => self.trunk_slot(trunk, cancel, &mut waits).await,
            Some((campaign, cps)) => self.aligned_slots(campaign, cps, trunk, cancel, &mut waits).await,
        };
        if !sent {
            return Err(Aborted::BeforeDialing);
        }
        admission.waited = waits.logged();
        Ok(admission)
    }

    /// Waits until the trunk may receive the next INVITE; false if cancelled
    /// first.
    ///
    /// A call that wakes for its slot more than [`MAX_SEND_LATENESS`] late
    /// (the machine was busy) books another rather than sending late: the
    /// carrier counts INVITEs as they arrive, and a late one shares its
    /// second with the slots after it.
    async fn trunk_slot(&self, trunk: &TrunkGate, cancel: &CancellationToken, waits: &mut Waits) -> bool {
        let began = Instant::now();
        let rate = || trunk.rate();
        let note = |factor: f64| trunk.note_cluster_factor(factor);
        for _ in 0..MAX_REBOOKINGS {
            let slot = match trunk.slots.book(&self.context, &rate, MAX_SLOT_WAIT, &note, cancel).await {
                Booked::At(slot) => slot,
                Booked::NotSoon => continue,
                Booked::Cancelled => return false,
            };
            if !sleep_until(slot, cancel).await {
                return false;
            }
            if on_time(slot, Instant::now()) {
                waits.trunk_cps = began.elapsed();
                return true;
            }
            debug!(trunk = trunk.trunk().id, "woke too late for the INVITE slot: booking another");
        }
        // Late again and again: the node is overloaded; send rather than starve.
        waits.trunk_cps = began.elapsed();
        true
    }

    /// Waits until both the campaign's CPS (`cps`) and the trunk's allow the
    /// next INVITE, within the sending allowance of each other; false if
    /// cancelled first.
    ///
    /// The limiter that bound last time is booked first and waited for;
    /// the other is then asked for a slot within what is left of
    /// [`MAX_SEND_LATENESS`] only. When it has none, it is the one binding
    /// now: the first slot goes unused (an INVITE fewer, never one more)
    /// and the next round books the other first. Every round waits for a
    /// real slot, so this cannot spin. Waking late for the first slot
    /// books again, up to [`MAX_REBOOKINGS`] times, as for a trunk alone.
    async fn aligned_slots(
        &self,
        campaign: &CampaignGate,
        cps: f64,
        trunk: &TrunkGate,
        cancel: &CancellationToken,
        waits: &mut Waits,
    ) -> bool {
        let trunk_rate = || trunk.rate();
        let campaign_rate = || campaign.rate(cps);
        let trunk_factor = |factor: f64| trunk.note_cluster_factor(factor);
        let no_factor = |_: f64| {};
        let trunk_side: (&SlotBank, &(dyn Fn() -> Rate + Sync), &(dyn Fn(f64) + Sync)) =
            (&trunk.slots, &trunk_rate, &trunk_factor);
        let campaign_side: (&SlotBank, &(dyn Fn() -> Rate + Sync), &(dyn Fn(f64) + Sync)) =
            (&campaign.slots, &campaign_rate, &no_factor);
        let mut late_wakes = 0;
        loop {
            let trunk_first = campaign.trunk_binds.load(Ordering::Relaxed);
            let (first, second) = if trunk_first { (trunk_side, campaign_side) } else { (campaign_side, trunk_side) };
            let began = Instant::now();
            let slot = match first.0.book(&self.context, first.1, MAX_SLOT_WAIT, first.2, cancel).await {
                Booked::At(slot) => slot,
                // (Not with this horizon; never a spin if it were.)
                Booked::NotSoon => Instant::now() + MAX_SEND_LATENESS,
                Booked::Cancelled => return false,
            };
            if !sleep_until(slot, cancel).await {
                return false;
            }
            let waited = began.elapsed();
            *(if trunk_first { &mut waits.trunk_cps } else { &mut waits.campaign_cps }) += waited;
            let now = Instant::now();
            if !on_time(slot, now) && late_wakes < MAX_REBOOKINGS {
                late_wakes += 1;
                continue;
            }
            let left = MAX_SEND_LATENESS.saturating_sub(now.saturating_duration_since(slot));
            match second.0.book(&self.context, second.1, left, second.2, cancel).await {
                Booked::At(second_slot) => {
                    if !sleep_until(second_slot, cancel).await {
                        return false;
                    }
                    // Both still within the allowance, or the first goes unused.
                    let now = Instant::now();
                    if on_time(second_slot, now) && (on_time(slot, now) || late_wakes >= MAX_REBOOKINGS) {
                        return true;
                    }
                    late_wakes += 1;
                }
                Booked::NotSoon => {
                    debug!(trunk_first, "the other cap binds now: booking it first");
                    campaign.trunk_binds.store(!trunk_first, Ordering::Relaxed);
                }
                Booked::Cancelled => return false,
            }
        }
    }

    /// Renews every line lease of this node's calls and reconciles Redis
    /// with them (see [`LineLeases::renew`]).
    pub(crate) async fn renew_lines(&self) {
        if !self.context.redis.configured() {
            return;
        }
        let mut all: Vec<Arc<LineLeases>> = Vec::new();
        all.extend(self.trunks.lock().expect("trunk gates poisoned").values().map(|gate| Arc::clone(&gate.lines)));
        all.extend(
            self.campaigns.lock().expect("campaign gates poisoned").values().map(|gate| Arc::clone(&gate.lines)),
        );
        for lines in all {
            lines.renew(&self.context.redis).await;
        }
    }

    /// Gives back what is left to give back in Redis and stops the
    /// give-back task: after the calls are over, before the node exits, so
    /// that no line of a stopped node stays taken until its TTL.
    pub(crate) async fn close(&self) {
        drop(self.releases.lock().expect("releases poisoned").take());
        let task = self.give_back.lock().expect("give-back poisoned").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The lines and the slot a call was admitted with; dropping it gives the
/// lines back (and a call that panics drops it too).
pub(crate) struct Admission {
    attempt_id: i64,
    held: Vec<Arc<LineLeases>>,
    releases: Option<mpsc::Sender<Release>>,
    /// The cap that held the call back, when it was long enough to go in
    /// the decision log.
    pub(crate) waited: Option<Cap>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        for lines in self.held.drain(..) {
            if !lines.forget(self.attempt_id) {
                continue;
            }
            // Without Redis the give-back task only wakes the waiting calls.
            let release = Release { lines, attempt_id: self.attempt_id };
            let Some(releases) = &self.releases else {
                // The node is stopping: its next start (or its lease's TTL) frees it.
                release.lines.freed();
                continue;
            };
            if let Err(error) = releases.try_send(release) {
                // Full or closed: the next renewal's prune drops the lease.
                debug!("cannot queue a line's release: the next renewal drops it");
                let (mpsc::error::TrySendError::Full(release) | mpsc::error::TrySendError::Closed(release)) = error;
                release.lines.freed();
            }
        }
    }
}

/// Releases given-back lines in Redis, every line queued meanwhile in one
/// round trip, then wakes this node's calls waiting for one.
async fn give_back(context: Arc<Context>, mut releases: mpsc::Receiver<Release>) {
    let mut batch = Vec::new();
    while releases.recv_many(&mut batch, 512).await > 0 {
        let leases: Vec<_> = batch.iter().map(|release| (release.lines.scope, release.attempt_id)).collect();
        context.redis.release_lines(&leases).await;
        for release in batch.drain(..) {
            release.lines.freed();
        }
    }
}

/// One claimed contact waiting to be dialed, counted on its trunk's and its
/// campaign's gates; dropped once its INVITE goes out (or it leaves
/// undialed).
pub(crate) struct Waiting {
    counts: [Option<Arc<AtomicUsize>>; 2],
}

impl Waiting {
    pub(crate) fn new(trunk: Option<&TrunkGate>, campaign: Option<&CampaignGate>) -> Waiting {
        let counts = [trunk.map(|gate| Arc::clone(&gate.waiting)), campaign.map(|gate| Arc::clone(&gate.waiting))];
        for count in counts.iter().flatten() {
            count.fetch_add(1, Ordering::Relaxed);
        }
        Waiting { counts }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        for count in self.counts.iter().flatten() {
            count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

async fn sleep_until(at: Instant, cancel: &CancellationToken) -> bool {
    if at <= Instant::now() {
        return !cancel.is_cancelled();
    }
    tokio::select! {
        () = tokio::time::sleep_until(at) => true,
        () = cancel.cancelled() => false,
    }
}

#[cfg(test)]
mod tests;
