//! Which trunks a call tries, in which order, and when a trunk is skipped.
//!
//! A campaign's trunk group lists trunks with a position, a weight and
//! optional number prefixes. [`route`] orders the trunks a callee may use:
//! trunks whose prefixes match the number come before the catch-all ones
//! (no prefixes), and within each, by position (`ordered`) or in a
//! weighted-random order (`weighted`). A call that a trunk fails with 408,
//! 5xx or no answer at all is tried on the next ([`fails_over`]) within the
//! same attempt. A [`Breaker`] per trunk stops sending to a trunk that
//! keeps failing, for a while, then lets one call probe it.

use std::time::{Duration, Instant};

/// One trunk of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMember {
    pub trunk_id: i64,
    pub position: i32,
    pub weight: u32,
    /// E.164 beginnings (`+4930`); empty: every number.
    pub prefixes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStrategy {
    Ordered,
    Weighted,
}

impl RouteStrategy {
    pub fn parse(name: &str) -> Option<RouteStrategy> {
        match name {
            "ordered" => Some(RouteStrategy::Ordered),
            "weighted" => Some(RouteStrategy::Weighted),
            _ => None,
        }
    }
}

/// The trunk ids `callee` may be tried on, in order. `seed` drives the
/// weighted order (any value; the caller varies it per call).
pub fn route(strategy: RouteStrategy, members: &[RouteMember], callee: &str, seed: u64) -> Vec<i64> {
    let matches = |member: &&RouteMember| member.prefixes.iter().any(|prefix| callee.starts_with(prefix.as_str()));
    let specific: Vec<&RouteMember> = members.iter().filter(matches).collect();
    let general: Vec<&RouteMember> = members.iter().filter(|member| member.prefixes.is_empty()).collect();
    let mut order = Vec::with_capacity(specific.len() + general.len());
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    for mut tier in [specific, general] {
        match strategy {
            RouteStrategy::Ordered => tier.sort_by_key(|member| (member.position, member.trunk_id)),
            RouteStrategy::Weighted => {
                tier.sort_by_key(|member| (member.position, member.trunk_id));
                // Draw without replacement, each in proportion to its weight.
                let mut drawn = Vec::with_capacity(tier.len());
                while !tier.is_empty() {
                    let total: u64 = tier.iter().map(|member| u64::from(member.weight.max(1))).sum();
                    state = splitmix(state);
                    let mut ticket = state % total;
                    let index = tier
                        .iter()
                        .position(|member| {
                            let weight = u64::from(member.weight.max(1));
                            if ticket < weight {
                                return true;
                            }
                            ticket -= weight;
                            false
                        })
                        .unwrap_or(0);
                    drawn.push(tier.remove(index));
                }
                tier = drawn;
            }
        }
        order.extend(tier.into_iter().map(|member| member.trunk_id));
    }
    order
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether a call that ended with `sip_code` (`None`: no final response)
/// and was never answered should be tried on the next trunk: the trunk, not
/// the callee, failed (RFC 3261 §21.5 server errors, 408 timeout).
pub fn fails_over(sip_code: Option<u16>, answered: bool) -> bool {
    if answered {
        return false;
    }
    match sip_code {
        None => true,
        Some(code) => code == 408 || (500..600).contains(&code),
    }
}

/// A trunk's circuit breaker: after `threshold` failures in a row it opens
/// for `cool_down`, then lets one call through; a success closes it.
#[derive(Debug, Clone)]
pub struct Breaker {
    threshold: u32,
    cool_down: Duration,
    failures: u32,
    open_until: Option<Instant>,
    /// Half-open: one probe call is out.
    probing: bool,
}

impl Breaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Breaker {
        Breaker { threshold: threshold.max(1), cool_down, failures: 0, open_until: None, probing: false }
    }

    /// Whether a call may use the trunk now (taking the probe slot when
    /// the breaker is half-open).
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.open_until {
            None => true,
            Some(until) if now < until => false,
            Some(_) if self.probing => false,
            Some(_) => {
                self.probing = true;
                true
            }
        }
    }

    pub fn is_open(&self, now: Instant) -> bool {
        self.open_until.is_some_and(|until| now < until || self.probing)
    }

    /// Another node opened the trunk's breaker until `until`: stay open at
    /// least as long (then half-open, as after a cool-down of our own).
    pub fn open_until(&mut self, until: Instant) {
        if self.open_until.is_none_or(|current| current < until) {
            self.open_until = Some(until);
            self.probing = false;
        }
    }

    pub fn record(&mut self, trunk_failed: bool, now: Instant) {
        if trunk_failed {
            self.failures += 1;
            if self.probing || self.failures >= self.threshold {
                self.open_until = Some(now + self.cool_down);
                self.probing = false;
            }
        } else {
            self.failures = 0;
            self.open_until = None;
            self.probing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(trunk_id: i64, position: i32, weight: u32, prefixes: &[&str]) -> RouteMember {
        RouteMember { trunk_id, position, weight, prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect() }
    }

    #[test]
    fn a_breaker_opened_elsewhere_stays_open_until_then_and_half_opens() {
        let now = Instant::now();
        let mut breaker = Breaker::new(5, Duration::from_secs(30));
        breaker.open_until(now + Duration::from_secs(10));
        assert!(!breaker.allow(now + Duration::from_secs(9)));
        // An earlier time does not shorten it.
        breaker.open_until(now + Duration::from_secs(1));
        assert!(!breaker.allow(now + Duration::from_secs(9)));
        assert!(breaker.allow(now + Duration::from_secs(10)), "one probe after");
        assert!(!breaker.allow(now + Duration::from_secs(10)));
        breaker.record(false, now + Duration::from_secs(11));
        assert!(breaker.allow(now + Duration::from_secs(11)), "closed by a success");
    }

    #[test]
    fn prefixes_come_first_then_the_catch_all_by_position() {
        let members =
            [member(1, 2, 1, &[]), member(2, 1, 1, &[]), member(3, 5, 1, &["+4930"]), member(4, 0, 1, &["+33"])];
        assert_eq!(route(RouteStrategy::Ordered, &members, "+4930123456", 0), [3, 2, 1]);
        assert_eq!(route(RouteStrategy::Ordered, &members, "+12025550100", 0), [2, 1]);
        assert_eq!(route(RouteStrategy::Ordered, &members, "+33123456789", 0), [4, 2, 1]);
    }

    #[test]
    fn weighted_order_follows_the_weights() {
        let members = [member(1, 0, 3, &[]), member(2, 0, 1, &[])];
        let mut first = [0_u32; 3];
        for seed in 0..4_000 {
            let order = route(RouteStrategy::Weighted, &members, "+4930", seed);
            assert_eq!(order.len(), 2);
            first[order[0] as usize] += 1;
        }
        // 3:1, within sampling noise.
        assert!((2_800..3_200).contains(&first[1]), "{first:?}");
    }

    #[test]
    fn only_trunk_failures_fail_over() {
        assert!(fails_over(Some(503), false));
        assert!(fails_over(Some(500), false));
        assert!(fails_over(Some(408), false));
        assert!(fails_over(None, false));
        assert!(!fails_over(Some(486), false), "busy is the callee's answer");
        assert!(!fails_over(Some(404), false));
        assert!(!fails_over(Some(480), false));
        assert!(!fails_over(None, true));
    }

    #[test]
    fn the_breaker_opens_cools_down_probes_and_closes() {
        let start = Instant::now();
        let mut breaker = Breaker::new(3, Duration::from_secs(30));
        for _ in 0..2 {
            assert!(breaker.allow(start));
            breaker.record(true, start);
        }
        assert!(breaker.allow(start), "two failures: still closed");
        breaker.record(true, start);
        assert!(!breaker.allow(start + Duration::from_secs(10)), "open");
        let later = start + Duration::from_secs(31);
        assert!(breaker.allow(later), "half-open: one probe");
        assert!(!breaker.allow(later), "only one probe at a time");
        breaker.record(true, later);
        assert!(!breaker.allow(later + Duration::from_secs(1)), "the probe failed: open again");
        let much_later = later + Duration::from_secs(31);
        assert!(breaker.allow(much_later));
        breaker.record(false, much_later);
        assert!(breaker.allow(much_later) && breaker.allow(much_later), "closed");
    }
}

/// A trunk's calls-per-second under overload (AIMD): a burst of 503 or 480
/// answers — the carrier's gear telling us it is overwhelmed — halves the
/// rate (at most once per [`OverloadRate::HOLD`], never below a tenth of
/// the cap); every [`OverloadRate::STEP`] without one adds back a tenth of
/// the cap, up to the cap.
#[derive(Debug, Clone)]
pub struct OverloadRate {
    cap: f64,
    current: f64,
    /// Overload answers in the current burst window.
    burst: u32,
    burst_started: Option<Instant>,
    last_change: Option<Instant>,
}

impl OverloadRate {
    /// Overload answers within [`OverloadRate::HOLD`] that make a burst.
    pub const BURST: u32 = 3;
    pub const HOLD: Duration = Duration::from_secs(1);
    pub const STEP: Duration = Duration::from_secs(5);

    pub fn new(cap: f64) -> OverloadRate {
        OverloadRate { cap, current: cap, burst: 0, burst_started: None, last_change: None }
    }

    /// The rate to dial at now (the cap may have changed).
    pub fn rate(&mut self, cap: f64, now: Instant) -> f64 {
        if (cap - self.cap).abs() > f64::EPSILON {
            // A new cap keeps the same fraction of it.
            self.current = (self.current / self.cap * cap).clamp(cap / 10.0, cap);
            self.cap = cap;
        }
        // Additive increase, one step per STEP since the last change.
        if self.current < self.cap
            && let Some(last) = self.last_change
        {
            let steps = (now.saturating_duration_since(last).as_secs_f64() / Self::STEP.as_secs_f64()).floor();
            if steps >= 1.0 {
                self.current = (self.current + steps * self.cap / 10.0).min(self.cap);
                self.last_change = Some(last + Self::STEP.mul_f64(steps));
            }
        }
        self.current
    }

    /// A final answer from the trunk: `overload` for 503 and 480.
    pub fn answer(&mut self, overload: bool, now: Instant) {
        if !overload {
            return;
        }
        match self.burst_started {
            Some(started) if now.saturating_duration_since(started) <= Self::HOLD => self.burst += 1,
            _ => {
                self.burst_started = Some(now);
                self.burst = 1;
            }
        }
        let held = self.last_change.is_some_and(|last| now.saturating_duration_since(last) < Self::HOLD);
        if self.burst >= Self::BURST && !held {
            self.current = (self.current / 2.0).max(self.cap / 10.0);
            self.last_change = Some(now);
            self.burst = 0;
            self.burst_started = None;
        }
    }
}

#[cfg(test)]
mod overload_tests {
    use super::*;

    #[test]
    fn bursts_halve_the_rate_and_quiet_brings_it_back() {
        let start = Instant::now();
        let mut rate = OverloadRate::new(50.0);
        // Two overloads are not a burst.
        rate.answer(true, start);
        rate.answer(true, start);
        assert_eq!(rate.rate(50.0, start), 50.0);
        rate.answer(true, start);
        assert_eq!(rate.rate(50.0, start), 25.0, "a burst of three halves it");
        // More of the same burst within the hold: no further cut.
        for _ in 0..5 {
            rate.answer(true, start + Duration::from_millis(500));
        }
        assert_eq!(rate.rate(50.0, start + Duration::from_millis(500)), 25.0);
        // Another burst later halves again, never below a tenth.
        for step in 2..10 {
            let at = start + Duration::from_secs(step);
            for _ in 0..3 {
                rate.answer(true, at);
            }
        }
        assert_eq!(rate.rate(50.0, start + Duration::from_secs(9)), 5.0);
        // Quiet: +5 CPS every 5 s, up to the cap.
        assert_eq!(rate.rate(50.0, start + Duration::from_secs(14)), 10.0);
        assert_eq!(rate.rate(50.0, start + Duration::from_secs(29)), 25.0);
        assert_eq!(rate.rate(50.0, start + Duration::from_secs(600)), 50.0);
    }

    #[test]
    fn other_answers_change_nothing() {
        let start = Instant::now();
        let mut rate = OverloadRate::new(20.0);
        for _ in 0..100 {
            rate.answer(false, start);
        }
        assert_eq!(rate.rate(20.0, start), 20.0);
    }
}
