//! A carrier's caps as one Talker applies them: INVITEs per second and
//! concurrent lines per trunk, shared by the whole cluster through Redis.
//!
//! When Redis cannot be reached, the node keeps dialing within its local
//! share of each cap — the cap divided by the Talkers alive at the last
//! count — and re-registers its calls' line leases when Redis returns, so
//! the shared count is right again after an outage. For lines the share is
//! also frozen at what the node held when Redis last answered: calls of a
//! node that died meanwhile are still up at the carrier, unseen by anyone,
//! and a fresh split of the whole cap would add to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_coord::{Coord, SlotReservation};
use herald_store::Trunk;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::pacing::TrunkPacer;

/// How far ahead a node may book a trunk's INVITE slots. Further than this
/// and it waits without booking, so one node cannot queue up the whole
/// cluster's next minute.
const MAX_SLOT_WAIT: Duration = Duration::from_secs(2);
/// How late after its slot an INVITE may still go out: most of the
/// allowance the slots' spacing leaves for it
/// (`herald_coord::SEND_JITTER_ALLOWANCE`), less 5 ms for the way from here
/// to the wire. Tighter, calls rebook more often, and a rebooked call holds
/// its line idle while it waits.
const MAX_SEND_LATENESS: Duration = Duration::from_millis(15);
/// Slots a call books at most when it keeps waking too late for them.
const MAX_REBOOKINGS: usize = 10;
/// How often a call waiting for a free line asks again.
const LINE_POLL: Duration = Duration::from_millis(100);
/// A node claims contacts for a trunk at most this far ahead of the
/// trunk's CPS: more would only wait for INVITE slots, holding leases other
/// nodes could dial, and asking Redis for slots over and over.
const DIAL_AHEAD: Duration = Duration::from_secs(2);

pub(crate) struct TrunkCaps {
    coord: Option<Coord>,
    /// Talkers alive at the last count (at least 1): the divisor of the
    /// local share when Redis is away.
    live_talkers: AtomicUsize,
    /// Lines this node holds, by attempt id → trunk id.
    lines: Mutex<HeldLines>,
    /// What this node's line lease ids start with (`<node id>:`), so that
    /// it can tell its own leases from other nodes' in Redis.
    lease_prefix: String,
    /// Lines this node held on each trunk when Redis last answered about
    /// them: the most it takes while Redis is away.
    held_at_last_answer: Mutex<HashMap<i64, usize>>,
    /// How long a line lease lasts without renewal.
    line_ttl: Duration,
    /// Contacts claimed for each trunk whose INVITE has not gone out yet.
    waiting: Mutex<HashMap<i64, Arc<AtomicUsize>>>,
    /// Woken when one of this node's calls gives a trunk's line back, so
    /// that a call of this node waiting for one takes it at once rather
    /// than at its next poll.
    line_freed: Mutex<HashMap<i64, Arc<tokio::sync::Notify>>>,
    /// Each trunk's queue for booking INVITE slots (see `invite_slot`).
    booking: Mutex<HashMap<i64, Arc<BookingQueue>>>,
    /// Each trunk's rate under overload as this node sees it (503/480
    /// bursts back it off): what it dials at while Redis is away.
    overload: Mutex<HashMap<i64, herald_policy::OverloadRate>>,
    /// Each trunk's overload factor as the cluster had it at the last
    /// reservation (every node's 503/480 answers feed it in Redis).
    cluster_factor: Mutex<HashMap<i64, (std::time::Instant, f64)>>,
}

/// The lines this node's calls hold: by attempt, and counted per trunk (asked
/// at every line taken, so not a scan of thousands of calls).
#[derive(Default)]
struct HeldLines {
    /// Attempt id → trunk id.
    by_attempt: HashMap<i64, i64>,
    per_trunk: HashMap<i64, usize>,
    /// Attempts asking Redis for a line: Redis may hold their lease before
    /// they are in `by_attempt`.
    taking: std::collections::HashSet<i64>,
    /// Every trunk this node has taken a line on (its leases to prune).
    trunks: std::collections::HashSet<i64>,
}

impl HeldLines {
    fn insert(&mut self, attempt_id: i64, trunk_id: i64) {
        if let Some(previous) = self.by_attempt.insert(attempt_id, trunk_id) {
            self.forget(previous);
        }
        self.taking.remove(&attempt_id);
        self.trunks.insert(trunk_id);
        *self.per_trunk.entry(trunk_id).or_default() += 1;
    }

    /// The trunk whose line the attempt held.
    fn remove(&mut self, attempt_id: i64) -> Option<i64> {
        let trunk_id = self.by_attempt.remove(&attempt_id)?;
        self.forget(trunk_id);
        Some(trunk_id)
    }

    fn forget(&mut self, trunk_id: i64) {
        if let Some(count) = self.per_trunk.get_mut(&trunk_id) {
            *count -= 1;
            if *count == 0 {
                self.per_trunk.remove(&trunk_id);
            }
        }
    }

    fn on_trunk(&self, trunk_id: i64) -> usize {
        self.per_trunk.get(&trunk_id).copied().unwrap_or(0)
    }
}

/// A trunk's INVITE slots as this node books them: one call at a time (the
/// lock), for itself and the calls queued behind it.
#[derive(Default)]
struct BookingQueue {
    /// Slots booked for calls that were queued and not yet handed out, in
    /// time order.
    banked: tokio::sync::Mutex<std::collections::VecDeque<tokio::time::Instant>>,
    /// Calls waiting for the lock.
    queued: AtomicUsize,
}

/// A node books at most this much of a trunk's time in one reservation
/// (and never more slots than it has calls queued): at 1,000 CPS, 100
/// slots a round trip; at 20 CPS, 2.
const BOOKING_BATCH: Duration = Duration::from_millis(100);
/// …and at most this many slots.
const MAX_BOOKING_BATCH: usize = 100;
/// A banked slot this far past when its call takes it is still used (the
/// call is then that late, within [`MAX_SEND_LATENESS`]).
const BANKED_SLOT_LATENESS: Duration = Duration::from_millis(5);

/// The cluster's overload factor is trusted this long after Redis said it.
const CLUSTER_FACTOR_FRESH: Duration = Duration::from_secs(10);

/// One claimed contact waiting to be dialed on a trunk; dropped once its
/// INVITE goes out (or it leaves undialed).
pub(crate) struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl TrunkCaps {
    /// `node_id` marks this node's line leases in Redis.
    pub(crate) fn new(coord: Option<Coord>, line_ttl: Duration, node_id: &str) -> TrunkCaps {
        TrunkCaps {
            coord,
            lease_prefix: format!("{node_id}:"),
            live_talkers: AtomicUsize::new(1),
            lines: Mutex::default(),
            held_at_last_answer: Mutex::default(),
            line_ttl,
            waiting: Mutex::default(),
            booking: Mutex::default(),
            overload: Mutex::default(),
            cluster_factor: Mutex::default(),
            line_freed: Mutex::default(),
        }
    }

    fn waiting_count(&self, trunk_id: i64) -> Arc<AtomicUsize> {
        Arc::clone(self.waiting.lock().expect("waiting poisoned").entry(trunk_id).or_default())
    }

    /// How many more contacts this node may claim for `trunk` now: its
    /// CPS × [`DIAL_AHEAD`], less those already waiting.
    pub(crate) fn dial_ahead_room(&self, trunk: &Trunk) -> usize {
        let ahead = (trunk.cps_limit * DIAL_AHEAD.as_secs_f64()).ceil().max(1.0) as usize;
        ahead.saturating_sub(self.waiting_count(trunk.id).load(Ordering::Relaxed))
    }

    /// Counts a claimed contact as waiting for `trunk_id` until dropped.
    pub(crate) fn waiting(&self, trunk_id: i64) -> Waiting {
        let count = self.waiting_count(trunk_id);
        count.fetch_add(1, Ordering::Relaxed);
        Waiting(count)
    }

    pub(crate) fn set_live_talkers(&self, count: usize) {
        self.live_talkers.store(count.max(1), Ordering::Relaxed);
    }

    /// The trunk's calls per second now: its cap, or less while the carrier
    /// signals overload — the cluster's back-off while Redis answers, this
    /// node's own otherwise.
    pub(crate) fn cps(&self, trunk: &Trunk) -> f64 {
        if let Some((at, factor)) = self.cluster_factor.lock().expect("cluster factor poisoned").get(&trunk.id)
            && at.elapsed() < CLUSTER_FACTOR_FRESH
        {
            return trunk.cps_limit * factor;
        }
        let mut rates = self.overload.lock().expect("overload poisoned");
        rates
            .entry(trunk.id)
            .or_insert_with(|| herald_policy::OverloadRate::new(trunk.cps_limit))
            .rate(trunk.cps_limit, std::time::Instant::now())
    }

    /// A final answer from the trunk; 503 and 480 in bursts back its rate
    /// off, across the cluster through Redis (and on this node, for when
    /// Redis is away).
    pub(crate) async fn answered(&self, trunk: &Trunk, sip_code: Option<u16>) {
        if !matches!(sip_code, Some(503 | 480)) {
            // Only overload answers change the rate (recovery is by time).
            return;
        }
        let now = std::time::Instant::now();
        let (before, after) = {
            let mut rates = self.overload.lock().expect("overload poisoned");
            let rate = rates.entry(trunk.id).or_insert_with(|| herald_policy::OverloadRate::new(trunk.cps_limit));
            let before = rate.rate(trunk.cps_limit, now);
            rate.answer(true, now);
            (before, rate.rate(trunk.cps_limit, now))
        };
        let Some(coord) = &self.coord else {
            if after < before {
                warn!(trunk = %trunk.name, from = before, to = after, "carrier overloaded (503/480): backing off");
            }
            return;
        };
        match coord.report_overload(trunk.id).await {
            Ok((halved, factor)) => {
                self.note_cluster_factor(trunk.id, factor.0);
                if halved {
                    let to = trunk.cps_limit * factor.0;
                    warn!(trunk = %trunk.name, to, "carrier overloaded (503/480): the cluster backs off");
                }
            }
            Err(error) => debug!(%error, trunk = trunk.id, "overload state unreachable: this node backs off alone"),
        }
    }

    fn note_cluster_factor(&self, trunk_id: i64, factor: f64) {
        self.cluster_factor
            .lock()
            .expect("cluster factor poisoned")
            .insert(trunk_id, (std::time::Instant::now(), factor));
    }

    fn local_share(&self, cap: f64) -> f64 {
        cap / self.live_talkers.load(Ordering::Relaxed) as f64
    }

    /// Waits until this trunk may receive the next INVITE; false if
    /// cancelled first.
    ///
    /// The node's calls for a trunk take turns (a fair queue) to book their
    /// slot: one booking in flight per trunk, and a call that finds the
    /// cluster's next two seconds booked waits at the head of the queue
    /// rather than every waiting call asking Redis again and again.
    ///
    /// A call that wakes for its slot more than [`MAX_SEND_LATENESS`] late
    /// (the machine was busy) books another rather than sending late: the
    /// carrier counts INVITEs as they arrive, and a late one shares its
    /// second with the slots after it.
    pub(crate) async fn invite_slot(&self, trunk: &Trunk, pacer: &TrunkPacer, cancel: &CancellationToken) -> bool {
        for _ in 0..MAX_REBOOKINGS {
            let Some(slot_at) = self.book_slot(trunk, pacer, cancel).await else { return false };
            if !sleep_or_cancel(slot_at.saturating_duration_since(tokio::time::Instant::now()), cancel).await {
                return false;
            }
            let late = tokio::time::Instant::now().saturating_duration_since(slot_at);
            if late <= MAX_SEND_LATENESS {
                return true;
            }
            debug!(trunk = trunk.id, ?late, "woke too late for the INVITE slot: booking another");
        }
        // Late again and again: the node is overloaded; send rather than starve.
        true
    }

    /// Books the trunk's next INVITE slot: when it is (`None`: cancelled
    /// first).
    ///
    /// The call at the head of the queue books for the calls queued behind
    /// it too, in one round trip (up to [`BOOKING_BATCH`] of the trunk's
    /// time): they take their slots from the bank when their turn comes. A
    /// banked slot more than [`BANKED_SLOT_LATENESS`] past is dropped
    /// unused — a few INVITEs fewer, never one too many.
    async fn book_slot(
        &self,
        trunk: &Trunk,
        pacer: &TrunkPacer,
        cancel: &CancellationToken,
    ) -> Option<tokio::time::Instant> {
        let queue = self.booking_queue(trunk.id);
        queue.queued.fetch_add(1, Ordering::Relaxed);
        let locked = tokio::select! {
            banked = queue.banked.lock() => Some(banked),
            () = cancel.cancelled() => None,
        };
        queue.queued.fetch_sub(1, Ordering::Relaxed);
        let mut banked = locked?;
        let now = tokio::time::Instant::now();
        while let Some(slot) = banked.pop_front() {
            if now.saturating_duration_since(slot) <= BANKED_SLOT_LATENESS {
                return Some(slot);
            }
        }
        let slot = loop {
            let booked = match &self.coord {
                Some(coord) => {
                    let batch = ((trunk.cps_limit * BOOKING_BATCH.as_secs_f64()) as usize)
                        .min(1 + queue.queued.load(Ordering::Relaxed))
                        .clamp(1, MAX_BOOKING_BATCH);
                    match coord.reserve_invite_slots(trunk.id, trunk.cps_limit, MAX_SLOT_WAIT, batch).await {
                        Ok((SlotReservation::Reserved { waits }, factor)) => {
                            self.note_cluster_factor(trunk.id, factor.0);
                            let now = tokio::time::Instant::now();
                            banked.extend(waits.iter().skip(1).map(|&wait| now + wait));
                            waits.first().map(|&wait| now + wait)
                        }
                        Ok((SlotReservation::Full { retry_after }, factor)) => {
                            self.note_cluster_factor(trunk.id, factor.0);
                            if !sleep_or_cancel(retry_after, cancel).await {
                                return None;
                            }
                            continue;
                        }
                        Err(error) => {
                            debug!(%error, trunk = trunk.id, "cps limiter unreachable: local share");
                            None
                        }
                    }
                }
                None => None,
            };
            break match booked {
                Some(slot) => slot,
                None => {
                    pacer.set_rate(self.local_share(self.cps(trunk)));
                    pacer.reserve().max(tokio::time::Instant::now())
                }
            };
        };
        // Booked: the next call may book while this one waits for its slot.
        drop(banked);
        Some(slot)
    }

    fn booking_queue(&self, trunk_id: i64) -> Arc<BookingQueue> {
        Arc::clone(self.booking.lock().expect("booking poisoned").entry(trunk_id).or_default())
    }

    /// Waits for a free line on the trunk for this attempt; false if
    /// cancelled first.
    pub(crate) async fn take_line(&self, trunk: &Trunk, attempt_id: i64, cancel: &CancellationToken) -> bool {
        let lease_id = self.lease_id(attempt_id);
        let max_lines = u32::try_from(trunk.max_lines).unwrap_or(1);
        self.lines.lock().expect("lines poisoned").taking.insert(attempt_id);
        let taken = self.wait_for_line(trunk, attempt_id, &lease_id, max_lines, cancel).await;
        if !taken {
            self.lines.lock().expect("lines poisoned").taking.remove(&attempt_id);
        }
        taken
    }

    /// This node's lease id for an attempt's line.
    fn lease_id(&self, attempt_id: i64) -> String {
        format!("{}{attempt_id}", self.lease_prefix)
    }

    async fn wait_for_line(
        &self,
        trunk: &Trunk,
        attempt_id: i64,
        lease_id: &str,
        max_lines: u32,
        cancel: &CancellationToken,
    ) -> bool {
        loop {
            let taken = match &self.coord {
                Some(coord) => match coord.acquire_line(trunk.id, lease_id, max_lines, self.line_ttl).await {
                    Ok(taken) => {
                        self.note_held(trunk.id, usize::from(taken));
                        taken
                    }
                    Err(error) => {
                        debug!(%error, trunk = trunk.id, "line leases unreachable: local share");
                        self.local_lines_in_use(trunk.id) < self.outage_line_share(trunk.id, max_lines)
                    }
                },
                None => self.local_lines_in_use(trunk.id) < max_lines as usize,
            };
            if taken {
                self.lines.lock().expect("lines poisoned").insert(attempt_id, trunk.id);
                return true;
            }
            // Until the next poll, or until a call of this node frees a line.
            let freed = self.line_freed(trunk.id);
            tokio::select! {
                () = tokio::time::sleep(LINE_POLL) => {}
                () = freed.notified() => {}
                () = cancel.cancelled() => return false,
            }
        }
    }

    fn line_freed(&self, trunk_id: i64) -> Arc<tokio::sync::Notify> {
        Arc::clone(self.line_freed.lock().expect("line notices poisoned").entry(trunk_id).or_default())
    }

    /// Redis answered about the trunk's lines: remember what this node holds
    /// (plus `taking`, a line just granted).
    fn note_held(&self, trunk_id: i64, taking: usize) {
        let held = self.local_lines_in_use(trunk_id) + taking;
        self.held_at_last_answer.lock().expect("held poisoned").insert(trunk_id, held);
    }

    /// The lines this node may hold on the trunk while Redis is away: its
    /// share of the cap, but never more than it held when Redis last
    /// answered (a node that never reached Redis gets the share).
    fn outage_line_share(&self, trunk_id: i64, max_lines: u32) -> usize {
        let share = self.local_share(f64::from(max_lines)).floor() as usize;
        match self.held_at_last_answer.lock().expect("held poisoned").get(&trunk_id) {
            Some(&held) => share.min(held),
            None => share,
        }
    }

    fn local_lines_in_use(&self, trunk_id: i64) -> usize {
        self.lines.lock().expect("lines poisoned").on_trunk(trunk_id)
    }

    pub(crate) async fn release_line(&self, attempt_id: i64) {
        let Some(trunk_id) = self.lines.lock().expect("lines poisoned").remove(attempt_id) else { return };
        if let Some(coord) = &self.coord
            && let Err(error) = coord.release_line(trunk_id, &self.lease_id(attempt_id)).await
        {
            // The next renewal that reaches Redis drops it (`renew_lines`).
            debug!(%error, "releasing a line failed");
        }
        self.line_freed(trunk_id).notify_one();
    }

    /// Whether the attempt's call still holds its line.
    fn holds(&self, attempt_id: i64) -> bool {
        self.lines.lock().expect("lines poisoned").by_attempt.contains_key(&attempt_id)
    }

    /// Renews this node's line leases and reconciles Redis with the calls
    /// this node has: a lease Redis lost (failover, an outage) is taken
    /// again, and one of this node's leases that no call holds any more (a
    /// release that never reached Redis, or that a failover lost) is
    /// dropped, instead of keeping a line idle until its TTL.
    pub(crate) async fn renew_lines(&self) {
        let Some(coord) = &self.coord else { return };
        let mut by_trunk: HashMap<i64, Vec<i64>> = HashMap::new();
        let trunks: Vec<i64> = {
            let lines = self.lines.lock().expect("lines poisoned");
            for (&attempt_id, &trunk_id) in &lines.by_attempt {
                by_trunk.entry(trunk_id).or_default().push(attempt_id);
            }
            lines.trunks.iter().copied().collect()
        };
        for (trunk_id, attempt_ids) in by_trunk {
            self.renew_trunk_lines(coord, trunk_id, &attempt_ids).await;
        }
        // After the renewals: a lease one of them took again for a call
        // that ended meanwhile goes too.
        for trunk_id in trunks {
            self.prune_trunk_lines(coord, trunk_id).await;
        }
    }

    /// Drops this node's leases on the trunk that none of its calls holds
    /// or is taking.
    async fn prune_trunk_lines(&self, coord: &Coord, trunk_id: i64) {
        // Read now, after any release it should count: a call taking a
        // line meanwhile is in `taking` before Redis can hold its lease.
        let keep: Vec<String> = {
            let lines = self.lines.lock().expect("lines poisoned");
            lines.by_attempt.keys().chain(lines.taking.iter()).map(|&attempt_id| self.lease_id(attempt_id)).collect()
        };
        match coord.prune_lines(trunk_id, &self.lease_prefix, &keep).await {
            Ok(0) => {}
            Ok(dropped) => {
                info!(trunk = trunk_id, dropped, "dropped line leases of calls that ended while redis was away");
                self.line_freed(trunk_id).notify_one();
            }
            Err(error) => debug!(%error, "pruning line leases failed"),
        }
    }

    /// Renews the leases of `attempt_ids`, which held lines on one trunk
    /// when they were read.
    async fn renew_trunk_lines(&self, coord: &Coord, trunk_id: i64, attempt_ids: &[i64]) {
        let lease_ids: Vec<String> = attempt_ids.iter().map(|&attempt_id| self.lease_id(attempt_id)).collect();
        let renewed = coord.renew_lines(trunk_id, &lease_ids, self.line_ttl).await;
        if renewed.is_ok() {
            self.note_held(trunk_id, 0);
        }
        match renewed {
            Ok(held) if held == lease_ids.len() as u64 => {}
            Ok(held) => {
                // Calls that ended since `attempt_ids` was read released
                // their lines: they are no loss, and re-taking theirs would
                // leave leases no call holds. (One that ends while it is
                // taken again is dropped by `renew_lines`' prune.)
                let still_ours: Vec<i64> =
                    attempt_ids.iter().copied().filter(|&attempt_id| self.holds(attempt_id)).collect();
                if (held as usize) < still_ours.len() {
                    warn!(trunk = trunk_id, held, ours = still_ours.len(), "re-registering line leases redis lost");
                } else {
                    debug!(trunk = trunk_id, held, ours = still_ours.len(), "line leases released while renewing");
                }
                for attempt_id in still_ours {
                    // Counted even over the cap: the call is real, and new
                    // calls must wait for it.
                    let _ = coord.acquire_line(trunk_id, &self.lease_id(attempt_id), u32::MAX, self.line_ttl).await;
                }
            }
            Err(error) => debug!(%error, "renewing line leases failed"),
        }
    }
}

async fn sleep_or_cancel(wait: Duration, cancel: &CancellationToken) -> bool {
    if wait.is_zero() {
        return !cancel.is_cancelled();
    }
    tokio::select! {
        () = tokio::time::sleep(wait) => true,
        () = cancel.cancelled() => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real Redis behind Sentinel (`scripts/infra.sh env`).
    fn redis() -> Coord {
        let mut config = herald_config::load(None).expect("configuration from the environment").redis;
        config.timeout_ms = 2000;
        Coord::new(&config).expect("redis config")
    }

    fn five_line_trunk(id: i64) -> Trunk {
        Trunk {
            id,
            name: format!("trunk {id}"),
            host: "127.0.0.1".to_owned(),
            port: 5060,
            transport: "udp".to_owned(),
            auth_username: None,
            auth_password: None,
            auth_password_env: None,
            from_domain: None,
            cps_limit: 10.0,
            max_lines: 5,
            enabled: true,
        }
    }

    /// Node `node_id`'s caps against the real Redis, its calls `attempt_ids`
    /// each holding a line on a five-line trunk of its own (`trunk_base`
    /// plus this process's id).
    async fn holding_lines(node_id: &str, trunk_base: i64, attempt_ids: &[i64]) -> (Coord, i64, TrunkCaps) {
        let coord = redis();
        let trunk_id = trunk_base + i64::from(std::process::id());
        let trunk = five_line_trunk(trunk_id);
        let caps = TrunkCaps::new(Some(coord.clone()), Duration::from_secs(600), node_id);
        let never = CancellationToken::new();
        for &attempt_id in attempt_ids {
            assert!(caps.take_line(&trunk, attempt_id, &never).await);
        }
        (coord, trunk_id, caps)
    }

    /// A call that ends between the renewal's reading of the node's leases
    /// and Redis's answer must not get its line back: nobody would release
    /// it, and the trunk would run a line short until the lease's TTL.
    /// Against the real Redis behind Sentinel (`scripts/infra.sh env`).
    #[tokio::test]
    async fn a_line_released_while_renewing_is_not_taken_again() {
        let (coord, trunk_id, caps) = holding_lines("race-node", 2_000_000_000, &[1, 2, 3]).await;
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 3);
        // The renewal read the three; then call 2 ended.
        caps.release_line(2).await;
        caps.renew_trunk_lines(&coord, trunk_id, &[1, 2, 3]).await;
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 2, "call 2's line stays free");
        // A lease Redis really lost (a failover) is taken again.
        coord.release_line(trunk_id, &caps.lease_id(3)).await.unwrap();
        caps.renew_trunk_lines(&coord, trunk_id, &[1, 3]).await;
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 2, "call 3's line is counted again");
        caps.release_line(1).await;
        caps.release_line(3).await;
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 0);
    }

    /// A release that never reached Redis (it was away, or a failover lost
    /// it) leaves a lease no call holds: the next renewal that reaches
    /// Redis drops it, and only this node's, so the line is free again
    /// instead of idle until the lease's TTL.
    #[tokio::test]
    async fn a_release_redis_never_saw_is_dropped_at_the_next_renewal() {
        let (coord, trunk_id, caps) = holding_lines("node-a", 2_100_000_000, &[1, 2]).await;
        // Another node's call on the same trunk (its id has this one's as a prefix).
        assert!(coord.acquire_line(trunk_id, "node-a-2:9", 5, Duration::from_secs(600)).await.unwrap());
        // Call 2 ends while Redis is away: its release never arrives.
        assert_eq!(caps.lines.lock().unwrap().remove(2), Some(trunk_id));
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 3);
        caps.renew_lines().await;
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 2, "call 2's lease dropped, the others kept");
        assert!(coord.acquire_line(trunk_id, &caps.lease_id(1), 5, Duration::from_secs(600)).await.unwrap());
        caps.release_line(1).await;
        coord.release_line(trunk_id, "node-a-2:9").await.unwrap();
        assert_eq!(coord.lines_in_use(trunk_id).await.unwrap(), 0);
    }

    #[test]
    fn a_late_invite_stays_within_the_spacings_allowance() {
        assert!(MAX_SEND_LATENESS + Duration::from_millis(5) <= herald_coord::SEND_JITTER_ALLOWANCE);
    }

    #[test]
    fn the_clusters_back_off_follows_the_same_rule_as_a_nodes() {
        use herald_coord::overload_rule;
        use herald_policy::OverloadRate;
        assert_eq!(overload_rule::BURST, OverloadRate::BURST);
        assert_eq!(overload_rule::HOLD_US, OverloadRate::HOLD.as_micros() as u64);
        assert_eq!(overload_rule::STEP_US, OverloadRate::STEP.as_micros() as u64);
    }

    #[test]
    fn during_an_outage_a_node_keeps_at_most_the_lines_it_held() {
        let caps = TrunkCaps::new(None, Duration::from_secs(60), "node");
        caps.set_live_talkers(2);
        // Never heard from Redis: the plain share, cap ÷ live nodes.
        assert_eq!(caps.outage_line_share(7, 30), 15);
        // Redis last answered while this node held 4 lines on trunk 7 (one
        // of them just granted): a dead node's calls may fill the rest.
        for (attempt_id, trunk_id) in [(1, 7), (2, 7), (3, 7), (4, 9)] {
            caps.lines.lock().unwrap().insert(attempt_id, trunk_id);
        }
        caps.note_held(7, 1);
        assert_eq!(caps.outage_line_share(7, 30), 4);
        // Never more than the share, however many it held.
        for attempt_id in 10..40 {
            caps.lines.lock().unwrap().insert(attempt_id, 7);
        }
        caps.note_held(7, 0);
        assert_eq!(caps.outage_line_share(7, 30), 15);
        assert_eq!(caps.outage_line_share(9, 30), 15);
    }

    #[test]
    fn held_lines_are_counted_per_trunk() {
        let mut lines = HeldLines::default();
        lines.insert(1, 7);
        lines.insert(2, 7);
        lines.insert(3, 9);
        lines.insert(3, 7); // the same attempt again, on another trunk
        assert_eq!((lines.on_trunk(7), lines.on_trunk(9)), (3, 0));
        assert_eq!(lines.remove(2), Some(7));
        assert_eq!(lines.remove(2), None);
        assert_eq!(lines.on_trunk(7), 2);
        assert_eq!(lines.remove(1), Some(7));
        assert_eq!(lines.remove(3), Some(7));
        assert_eq!(lines.on_trunk(7), 0);
        assert!(lines.per_trunk.is_empty() && lines.by_attempt.is_empty());
    }
}
