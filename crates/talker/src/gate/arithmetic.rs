//! The gate's arithmetic, pure: every number a gate decides with is a
//! function of `(now, state, input)` here, tested in microseconds. No
//! clock is read, no lock taken, no Redis asked.
//!
//! The back-off rule (AIMD on 503/480) and the breaker are pure too; they
//! live in `herald_policy` ([`herald_policy::OverloadRate`],
//! [`herald_policy::Breaker`]), and the Lua copy of the back-off takes its
//! constants from `herald_coord::overload_rule`, which a test below checks
//! against the Rust.

use std::time::Duration;

use tokio::time::Instant;

/// How far ahead a node may book INVITE slots. Further than this and it
/// waits without booking, so one node cannot queue up the whole cluster's
/// next minute.
pub(crate) const MAX_SLOT_WAIT: Duration = Duration::from_secs(2);
/// How late after its slot an INVITE may still go out: most of the
/// allowance the slots' spacing leaves for it
/// (`herald_coord::SEND_JITTER_ALLOWANCE`), less 5 ms for the way from here
/// to the wire. Tighter, calls rebook more often, and a rebooked call holds
/// its line idle while it waits.
pub(crate) const MAX_SEND_LATENESS: Duration = Duration::from_millis(15);
/// Slots a call books at most when it keeps waking too late for them
/// (then it sends: the node is overloaded, and starving is worse).
pub(crate) const MAX_REBOOKINGS: usize = 10;
/// How often a call waiting for a free line asks again.
pub(crate) const LINE_POLL: Duration = Duration::from_millis(100);
/// A node claims contacts for a cap at most this far ahead of its CPS:
/// more would only wait for INVITE slots, holding leases other nodes could
/// dial, and asking Redis for slots over and over.
pub(crate) const DIAL_AHEAD: Duration = Duration::from_secs(2);
/// A node books at most this much of a limiter's time in one reservation
/// (and never more slots than it has calls queued): at 1,000 CPS, 100
/// slots a round trip; at 20 CPS, 2.
pub(crate) const BOOKING_BATCH: Duration = Duration::from_millis(100);
/// …and at most this many slots.
pub(crate) const MAX_BOOKING_BATCH: usize = 100;
/// A banked slot this far past when its call takes it is still used (the
/// call is then that late, within [`MAX_SEND_LATENESS`]).
pub(crate) const BANKED_SLOT_LATENESS: Duration = Duration::from_millis(5);
/// The cluster's overload factor for a trunk is trusted this long after
/// Redis said it.
pub(crate) const CLUSTER_FACTOR_FRESH: Duration = Duration::from_secs(10);
/// Failures in a row that open a trunk's breaker, and how long it stays open.
pub(crate) const BREAKER_THRESHOLD: u32 = 5;
pub(crate) const BREAKER_COOL_DOWN: Duration = Duration::from_secs(30);
/// A wait for a line or an INVITE slot this long goes in the decision log
/// (shorter ones are ordinary pacing).
pub(crate) const CAP_WAIT_LOGGED: Duration = Duration::from_secs(1);

/// A node's share of a cluster-wide cap while Redis is away: the cap
/// divided by the Talkers alive at the last count.
pub(crate) fn local_share(cap: f64, live_talkers: usize) -> f64 {
    cap / live_talkers.max(1) as f64
}

/// The lines a node may hold while Redis is away: its share of the cap, but
/// never more than it held when Redis last answered (`None`: it never
/// heard). Calls of a node that died meanwhile are still up at the
/// carrier, unseen by anyone, and a fresh split of the whole cap would add
/// to them.
pub(crate) fn outage_line_share(max_lines: u32, live_talkers: usize, held_at_last_answer: Option<usize>) -> usize {
    let share = local_share(f64::from(max_lines), live_talkers).floor() as usize;
    match held_at_last_answer {
        Some(held) => share.min(held),
        None => share,
    }
}

/// How many more contacts a node may claim for a cap of `cps` with
/// `waiting` claimed and not yet dialed: `cps` × [`DIAL_AHEAD`], less those.
pub(crate) fn dial_ahead_room(cps: f64, waiting: usize) -> usize {
    let ahead = (cps * DIAL_AHEAD.as_secs_f64()).ceil().max(1.0) as usize;
    ahead.saturating_sub(waiting)
}

/// How many slots the call at the head of the booking queue books at `cps`
/// with `queued` calls behind it.
pub(crate) fn booking_batch(cps: f64, queued: usize) -> usize {
    ((cps * BOOKING_BATCH.as_secs_f64()) as usize).min(1 + queued).clamp(1, MAX_BOOKING_BATCH)
}

/// Whether a call woken at `now` for a slot at `slot` may still send.
pub(crate) fn on_time(slot: Instant, now: Instant) -> bool {
    now.saturating_duration_since(slot) <= MAX_SEND_LATENESS
}

/// Whether a banked slot can still be handed out at `now`.
pub(crate) fn banked_slot_usable(slot: Instant, now: Instant) -> bool {
    now.saturating_duration_since(slot) <= BANKED_SLOT_LATENESS
}

/// One cap that can hold a call back before its INVITE; its name is the
/// decision log's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    CampaignLines,
    TrunkLines,
    CampaignCps,
    TrunkCps,
}

impl Cap {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Cap::CampaignLines => "campaign_line_cap",
            Cap::TrunkLines => "trunk_line_cap",
            Cap::CampaignCps => "campaign_cps_cap",
            Cap::TrunkCps => "trunk_cps_cap",
        }
    }
}

/// How long a call waited on each cap before its INVITE.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Waits {
    pub(crate) campaign_lines: Duration,
    pub(crate) trunk_lines: Duration,
    pub(crate) campaign_cps: Duration,
    pub(crate) trunk_cps: Duration,
}

impl Waits {
    /// The cap that held the call back longest, when the waits add up to
    /// [`CAP_WAIT_LOGGED`] or more: what the decision log says.
    pub(crate) fn logged(&self) -> Option<Cap> {
        let waits = [
            (Cap::CampaignLines, self.campaign_lines),
            (Cap::TrunkLines, self.trunk_lines),
            (Cap::CampaignCps, self.campaign_cps),
            (Cap::TrunkCps, self.trunk_cps),
        ];
        let total: Duration = waits.iter().map(|(_, wait)| *wait).sum();
        if total < CAP_WAIT_LOGGED {
            return None;
        }
        // The first of equals: a campaign's cap before its trunk's.
        let mut longest = waits[0];
        for wait in waits {
            if wait.1 > longest.1 {
                longest = wait;
            }
        }
        Some(longest.0)
    }
}

/// A node's own spacing of a limiter's INVITEs, for while Redis is away:
/// the same spacing as the cluster-wide limiter's
/// ([`herald_coord::emission_interval`]), at the node's share.
#[derive(Debug)]
pub(crate) struct LocalPacer {
    interval: Duration,
    next_slot: Option<Instant>,
}

impl LocalPacer {
    pub(crate) fn new() -> LocalPacer {
        LocalPacer { interval: herald_coord::emission_interval(1.0), next_slot: None }
    }

    pub(crate) fn set_rate(&mut self, cps: f64) {
        self.interval = herald_coord::emission_interval(cps);
    }

    /// Reserves the next slot, if it is within `horizon` of `now`: when it
    /// is due. An idle limiter banks no slots for a later burst.
    pub(crate) fn reserve(&mut self, now: Instant, horizon: Duration) -> Option<Instant> {
        let slot = self.next_slot.map_or(now, |next| next.max(now));
        if slot.saturating_duration_since(now) > horizon {
            return None;
        }
        self.next_slot = Some(slot + self.interval);
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_invite_stays_within_the_spacings_allowance() {
        assert!(MAX_SEND_LATENESS + Duration::from_millis(5) <= herald_coord::SEND_JITTER_ALLOWANCE);
        assert!(BANKED_SLOT_LATENESS <= MAX_SEND_LATENESS);
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
        // Never heard from Redis: the plain share, cap ÷ live nodes.
        assert_eq!(outage_line_share(30, 2, None), 15);
        // Redis last answered while this node held 4 lines: a dead node's
        // calls may fill the rest.
        assert_eq!(outage_line_share(30, 2, Some(4)), 4);
        // Never more than the share, however many it held.
        assert_eq!(outage_line_share(30, 2, Some(30)), 15);
        assert_eq!(outage_line_share(30, 0, None), 30, "no count yet: this node alone");
        assert_eq!(local_share(5.0, 2), 2.5);
    }

    #[test]
    fn a_node_claims_two_seconds_of_a_caps_calls_ahead() {
        assert_eq!(dial_ahead_room(5.0, 0), 10);
        assert_eq!(dial_ahead_room(5.0, 7), 3);
        assert_eq!(dial_ahead_room(5.0, 12), 0);
        assert_eq!(dial_ahead_room(0.1, 0), 1, "a slow cap still dials");
    }

    #[test]
    fn a_booking_covers_the_queue_up_to_a_tenth_of_a_second() {
        assert_eq!(booking_batch(1000.0, 500), 100);
        assert_eq!(booking_batch(1000.0, 3), 4);
        assert_eq!(booking_batch(20.0, 50), 2);
        assert_eq!(booking_batch(5.0, 50), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn slots_are_late_past_the_allowance() {
        let slot = Instant::now();
        assert!(on_time(slot, slot + Duration::from_millis(15)));
        assert!(!on_time(slot, slot + Duration::from_millis(16)));
        assert!(on_time(slot + Duration::from_secs(1), slot), "early is on time");
        assert!(banked_slot_usable(slot, slot + Duration::from_millis(5)));
        assert!(!banked_slot_usable(slot, slot + Duration::from_millis(6)));
    }

    #[test]
    fn the_longest_wait_names_the_cap_once_it_is_a_second() {
        let mut waits = Waits { trunk_cps: Duration::from_millis(600), ..Waits::default() };
        assert_eq!(waits.logged(), None, "ordinary pacing");
        waits.campaign_cps = Duration::from_millis(700);
        assert_eq!(waits.logged(), Some(Cap::CampaignCps));
        waits.trunk_lines = Duration::from_secs(3);
        assert_eq!(waits.logged().map(Cap::reason), Some("trunk_line_cap"));
        let tie =
            Waits { campaign_lines: Duration::from_secs(1), trunk_lines: Duration::from_secs(1), ..Waits::default() };
        assert_eq!(tie.logged(), Some(Cap::CampaignLines));
    }

    #[tokio::test(start_paused = true)]
    async fn local_slots_are_spaced_by_the_rate() {
        let mut pacer = LocalPacer::new();
        pacer.set_rate(20.0);
        let start = Instant::now();
        let slots: Vec<Duration> = (0..5).map(|_| pacer.reserve(start, MAX_SLOT_WAIT).unwrap() - start).collect();
        // 20 CPS: 1.02 s / 20 = 51 ms apart (the 20 ms jitter allowance).
        assert_eq!(slots, (0..5).map(|index| Duration::from_millis(51 * index)).collect::<Vec<_>>());
        // Not within a horizon shorter than the next slot: nothing reserved.
        assert_eq!(pacer.reserve(start, Duration::from_millis(100)), None);
        assert_eq!(pacer.reserve(start, MAX_SLOT_WAIT), Some(start + Duration::from_millis(255)));
        // An idle pacer does not bank slots for a later burst.
        let later = start + Duration::from_secs(10);
        assert_eq!(pacer.reserve(later, MAX_SLOT_WAIT), Some(later));
        assert_eq!(pacer.reserve(later, MAX_SLOT_WAIT), Some(later + Duration::from_millis(51)));
    }
}
