//! Which caller ID (ANI) a call presents, from a campaign's pool.
//!
//! A number may present only while it is enabled, not resting (numbers whose
//! answer rate collapsed — a sign carriers label them as spam — rest for a
//! while) and under its daily cap. Among those, the pool's strategy picks:
//!
//! - `fixed`: the first, in the pool's order (the others stand by);
//! - `round_robin`: each in turn;
//! - `local_presence`: the one sharing the longest prefix with the callee
//!   (same country, then same area), the least used today among equals;
//! - `least_used`: the one used least today.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerIdStrategy {
    Fixed,
    RoundRobin,
    LocalPresence,
    LeastUsed,
}

impl CallerIdStrategy {
    pub fn parse(name: &str) -> Option<CallerIdStrategy> {
        Some(match name {
            "fixed" => CallerIdStrategy::Fixed,
            "round_robin" => CallerIdStrategy::RoundRobin,
            "local_presence" => CallerIdStrategy::LocalPresence,
            "least_used" => CallerIdStrategy::LeastUsed,
            _ => return None,
        })
    }
}

/// One caller ID as the choice sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdState {
    /// E.164.
    pub number: String,
    pub enabled: bool,
    pub resting: bool,
    /// Calls presented today (its own local day).
    pub used_today: u32,
    pub daily_cap: Option<u32>,
}

impl CallerIdState {
    fn available(&self) -> bool {
        self.enabled && !self.resting && self.daily_cap.is_none_or(|cap| self.used_today < cap)
    }
}

/// The index in `pool` of the caller ID to present to `callee`, or `None`
/// when every one is disabled, resting or capped for today. `turn` is the
/// round-robin counter (the caller increments it per call).
pub fn choose_caller_id(strategy: CallerIdStrategy, pool: &[CallerIdState], callee: &str, turn: u64) -> Option<usize> {
    let mut available = pool.iter().enumerate().filter(|(_, caller_id)| caller_id.available());
    match strategy {
        CallerIdStrategy::Fixed => available.next().map(|(index, _)| index),
        CallerIdStrategy::RoundRobin => {
            let available: Vec<usize> = available.map(|(index, _)| index).collect();
            (!available.is_empty()).then(|| available[(turn % available.len() as u64) as usize])
        }
        CallerIdStrategy::LeastUsed => {
            available.min_by_key(|(index, caller_id)| (caller_id.used_today, *index)).map(|(index, _)| index)
        }
        CallerIdStrategy::LocalPresence => available
            .min_by_key(|(index, caller_id)| {
                (std::cmp::Reverse(common_prefix(&caller_id.number, callee)), caller_id.used_today, *index)
            })
            .map(|(index, _)| index),
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// Whether a caller ID should rest: at least `min_calls` recent calls and
/// an answer rate below `below` (0–1).
pub fn should_rest(calls: u32, answered: u32, min_calls: u32, below: f64) -> bool {
    calls >= min_calls.max(1) && f64::from(answered) / f64::from(calls) < below
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(number: &str, used_today: u32) -> CallerIdState {
        CallerIdState { number: number.into(), enabled: true, resting: false, used_today, daily_cap: Some(100) }
    }

    #[test]
    fn fixed_takes_the_first_available_and_falls_back() {
        let mut pool = vec![caller("+12025550100", 5), caller("+12025550101", 0)];
        assert_eq!(choose_caller_id(CallerIdStrategy::Fixed, &pool, "+4930123456", 0), Some(0));
        pool[0].used_today = 100;
        assert_eq!(choose_caller_id(CallerIdStrategy::Fixed, &pool, "+4930123456", 0), Some(1));
        pool[1].resting = true;
        assert_eq!(choose_caller_id(CallerIdStrategy::Fixed, &pool, "+4930123456", 0), None);
    }

    #[test]
    fn round_robin_turns_over_the_available_ones() {
        let mut pool = vec![caller("+1", 0), caller("+2", 0), caller("+3", 0)];
        pool[1].enabled = false;
        let picks: Vec<Option<usize>> =
            (0..4).map(|turn| choose_caller_id(CallerIdStrategy::RoundRobin, &pool, "+4930", turn)).collect();
        assert_eq!(picks, [Some(0), Some(2), Some(0), Some(2)]);
    }

    #[test]
    fn local_presence_matches_the_callees_country_and_area() {
        let pool = vec![
            caller("+12025550100", 0), // US, Washington DC
            caller("+4940123456", 7),  // Germany, Hamburg
            caller("+4930999999", 9),  // Germany, Berlin
            caller("+4930888888", 3),  // Germany, Berlin, used less
        ];
        assert_eq!(choose_caller_id(CallerIdStrategy::LocalPresence, &pool, "+4930123456", 0), Some(3));
        // Munich: no area in common, the same country; the least used German number.
        assert_eq!(choose_caller_id(CallerIdStrategy::LocalPresence, &pool, "+4989123456", 0), Some(3));
        assert_eq!(choose_caller_id(CallerIdStrategy::LocalPresence, &pool, "+4940555555", 0), Some(1));
        assert_eq!(choose_caller_id(CallerIdStrategy::LocalPresence, &pool, "+12125550123", 0), Some(0));
        // No prefix in common: the least used.
        assert_eq!(choose_caller_id(CallerIdStrategy::LocalPresence, &pool, "+33123456789", 0), Some(0));
    }

    #[test]
    fn least_used_spreads_the_calls_and_respects_the_cap() {
        let mut pool = vec![caller("+1", 4), caller("+2", 2), caller("+3", 2)];
        assert_eq!(choose_caller_id(CallerIdStrategy::LeastUsed, &pool, "+49", 0), Some(1));
        pool[1].daily_cap = Some(2);
        assert_eq!(choose_caller_id(CallerIdStrategy::LeastUsed, &pool, "+49", 0), Some(2));
        pool[2].daily_cap = None;
        pool[2].used_today = 1_000;
        assert_eq!(choose_caller_id(CallerIdStrategy::LeastUsed, &pool, "+49", 0), Some(0));
    }

    #[test]
    fn a_collapsed_answer_rate_rests_a_number() {
        assert!(should_rest(50, 2, 50, 0.1));
        assert!(!should_rest(49, 0, 50, 0.1), "too few calls to judge");
        assert!(!should_rest(50, 10, 50, 0.1));
    }
}
