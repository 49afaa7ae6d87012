//! A campaign's own caps on this node — calls per second and concurrent
//! calls, set by its manager below the trunks' — shared by the cluster
//! through Redis like a trunk's, with the same local share while Redis is
//! away.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use herald_coord::CapScope;

use super::Context;
use super::arithmetic::{dial_ahead_room, local_share};
use super::lines::LineLeases;
use super::slots::{Rate, SlotBank};

pub(crate) struct CampaignGate {
    context: Arc<Context>,
    caps: Mutex<CampaignCaps>,
    pub(super) slots: SlotBank,
    pub(super) lines: Arc<LineLeases>,
    /// Contacts claimed for this campaign whose INVITE has not gone out yet.
    pub(super) waiting: Arc<AtomicUsize>,
    /// Whether the trunk's slot came later than the campaign's last time:
    /// then the next call books the trunk's first (see `Gates::invite_slot`).
    pub(super) trunk_binds: AtomicBool,
}

/// A campaign's caps as last read (`None`: not capped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CampaignCaps {
    pub(crate) cps: Option<f64>,
    pub(crate) lines: Option<u32>,
}

impl CampaignCaps {
    pub(crate) fn of(plan: &herald_store::DialPlan) -> CampaignCaps {
        CampaignCaps {
            cps: plan.cps_cap.filter(|cps| *cps > 0.0),
            lines: plan.concurrency_cap.and_then(|lines| u32::try_from(lines).ok()),
        }
    }

    pub(crate) fn any(&self) -> bool {
        self.cps.is_some() || self.lines.is_some()
    }
}

impl CampaignGate {
    pub(super) fn new(context: Arc<Context>, campaign_id: i64, caps: CampaignCaps) -> CampaignGate {
        let scope = CapScope::Campaign(campaign_id);
        CampaignGate {
            context,
            caps: Mutex::new(caps),
            slots: SlotBank::new(scope),
            lines: Arc::new(LineLeases::new(scope)),
            waiting: Arc::default(),
            trunk_binds: AtomicBool::new(false),
        }
    }

    pub(crate) fn caps(&self) -> CampaignCaps {
        *self.caps.lock().expect("campaign caps poisoned")
    }

    pub(super) fn update(&self, caps: CampaignCaps) {
        *self.caps.lock().expect("campaign caps poisoned") = caps;
    }

    /// What the slot bank asks for at a CPS cap of `cps`.
    pub(super) fn rate(&self, cps: f64) -> Rate {
        Rate { cap: cps, local: local_share(cps, self.context.live_talkers()) }
    }

    /// How many more contacts this node may claim for the campaign now:
    /// two seconds of its CPS, and no more than its concurrent calls, less
    /// those already up or waiting here (`usize::MAX`: uncapped).
    pub(crate) fn dial_ahead_room(&self) -> usize {
        let caps = self.caps();
        let waiting = self.waiting.load(Ordering::Relaxed);
        let by_cps = caps.cps.map_or(usize::MAX, |cps| dial_ahead_room(cps, waiting));
        let by_lines =
            caps.lines.map_or(usize::MAX, |lines| (lines as usize).saturating_sub(self.lines.held() + waiting));
        by_cps.min(by_lines)
    }

    /// Calls of the campaign up or waiting on this node (it may be
    /// forgotten when none are).
    pub(super) fn idle(&self) -> bool {
        self.lines.held() == 0 && self.waiting.load(Ordering::Relaxed) == 0
    }
}
