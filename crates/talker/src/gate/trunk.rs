//! A carrier trunk's gate on this node: everything about admitting a call
//! to the trunk — its line leases, its INVITE slots, its rate under
//! overload (503/480 bursts back it off, AIMD, across the cluster), its
//! circuit breaker, and the contacts claimed for it and not yet dialed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_coord::CapScope;
use herald_policy::{Breaker, OverloadRate};
use herald_store::Trunk;
use tracing::warn;

use super::Context;
use super::arithmetic::{BREAKER_COOL_DOWN, BREAKER_THRESHOLD, CLUSTER_FACTOR_FRESH, dial_ahead_room, local_share};
use super::lines::LineLeases;
use super::slots::{Rate, SlotBank};

pub(crate) struct TrunkGate {
    context: Arc<Context>,
    /// The trunk as last loaded (its caps may change while calls run).
    trunk: Mutex<Arc<Trunk>>,
    pub(super) slots: SlotBank,
    pub(super) lines: Arc<LineLeases>,
    /// The trunk's rate under overload as this node sees it: what it dials
    /// at while Redis is away.
    overload: Mutex<OverloadRate>,
    /// The overload factor as the cluster had it at the last reservation
    /// (every node's 503/480 answers feed it in Redis), and when.
    cluster_factor: Mutex<Option<(std::time::Instant, f64)>>,
    /// This node's view of the trunk's health (another node's opening is
    /// taken over by [`super::Gates::watch_breakers`]).
    breaker: Mutex<Breaker>,
    /// Contacts claimed for this trunk whose INVITE has not gone out yet.
    pub(super) waiting: Arc<AtomicUsize>,
}

impl TrunkGate {
    pub(super) fn new(context: Arc<Context>, trunk: Arc<Trunk>) -> TrunkGate {
        let scope = CapScope::Trunk(trunk.id);
        TrunkGate {
            context,
            overload: Mutex::new(OverloadRate::new(trunk.cps_limit)),
            trunk: Mutex::new(trunk),
            slots: SlotBank::new(scope),
            lines: Arc::new(LineLeases::new(scope)),
            cluster_factor: Mutex::default(),
            breaker: Mutex::new(Breaker::new(BREAKER_THRESHOLD, BREAKER_COOL_DOWN)),
            waiting: Arc::default(),
        }
    }

    pub(crate) fn trunk(&self) -> Arc<Trunk> {
        Arc::clone(&self.trunk.lock().expect("trunk poisoned"))
    }

    pub(super) fn update(&self, trunk: Arc<Trunk>) {
        *self.trunk.lock().expect("trunk poisoned") = trunk;
    }

    pub(super) fn max_lines(&self) -> u32 {
        u32::try_from(self.trunk.lock().expect("trunk poisoned").max_lines).unwrap_or(1)
    }

    /// The trunk's calls per second now: its cap, or less while the carrier
    /// signals overload — the cluster's back-off while Redis answers, this
    /// node's own otherwise.
    pub(crate) fn cps(&self) -> f64 {
        let cap = self.trunk.lock().expect("trunk poisoned").cps_limit;
        if let Some((at, factor)) = *self.cluster_factor.lock().expect("cluster factor poisoned")
            && at.elapsed() < CLUSTER_FACTOR_FRESH
        {
            return cap * factor;
        }
        self.overload.lock().expect("overload poisoned").rate(cap, std::time::Instant::now())
    }

    /// What the slot bank asks for: the cap (Redis applies the cluster's
    /// factor), and this node's share of the rate now for when Redis is away.
    pub(super) fn rate(&self) -> Rate {
        let cap = self.trunk.lock().expect("trunk poisoned").cps_limit;
        Rate { cap, local: local_share(self.cps(), self.context.live_talkers()) }
    }

    pub(super) fn note_cluster_factor(&self, factor: f64) {
        *self.cluster_factor.lock().expect("cluster factor poisoned") = Some((std::time::Instant::now(), factor));
    }

    /// How many more contacts this node may claim for the trunk now.
    pub(crate) fn dial_ahead_room(&self) -> usize {
        dial_ahead_room(self.trunk.lock().expect("trunk poisoned").cps_limit, self.waiting.load(Ordering::Relaxed))
    }

    /// A final answer from the trunk; 503 and 480 in bursts back its rate
    /// off, across the cluster through Redis (and on this node, for when
    /// Redis is away).
    pub(crate) async fn answered(&self, sip_code: Option<u16>) {
        if !matches!(sip_code, Some(503 | 480)) {
            // Only overload answers change the rate (recovery is by time).
            return;
        }
        let trunk = self.trunk();
        let now = std::time::Instant::now();
        let (before, after) = {
            let mut rate = self.overload.lock().expect("overload poisoned");
            let before = rate.rate(trunk.cps_limit, now);
            rate.answer(true, now);
            (before, rate.rate(trunk.cps_limit, now))
        };
        match self.context.redis.report_overload(trunk.id).await {
            Some((halved, factor)) => {
                self.note_cluster_factor(factor);
                if halved {
                    let to = trunk.cps_limit * factor;
                    warn!(trunk = %trunk.name, to, "carrier overloaded (503/480): the cluster backs off");
                }
            }
            None if after < before => {
                warn!(trunk = %trunk.name, from = before, to = after, "carrier overloaded (503/480): backing off");
            }
            None => {}
        }
    }

    /// Whether a call may try the trunk now (see [`Breaker`]).
    pub(crate) fn breaker_allows(&self) -> bool {
        self.breaker.lock().expect("breaker poisoned").allow(std::time::Instant::now())
    }

    /// Another node opened the trunk's breaker; it stays open here as long.
    pub(super) fn breaker_opened_elsewhere(&self, for_: Duration) {
        self.breaker.lock().expect("breaker poisoned").open_until(std::time::Instant::now() + for_);
    }

    /// What a try on the trunk showed: `trunk_failed` counts toward opening
    /// its breaker; anything else closes it. A breaker this opens is opened
    /// for every node (they would find the trunk failing too).
    pub(crate) async fn tried(&self, trunk_failed: bool) {
        let opened = {
            let mut breaker = self.breaker.lock().expect("breaker poisoned");
            let now = std::time::Instant::now();
            let was_open = breaker.is_open(now);
            breaker.record(trunk_failed, now);
            !was_open && breaker.is_open(now)
        };
        if !opened {
            return;
        }
        let trunk = self.trunk();
        warn!(trunk = %trunk.name, "trunk keeps failing: skipped for a while (circuit breaker open)");
        if self.context.redis.configured() && !self.context.redis.open_breaker(trunk.id).await {
            warn!("cannot share the open breaker: other nodes find out for themselves");
        }
    }
}
