//! Per-trunk INVITE pacing on this node.
//!
//! Each INVITE takes the next free slot of its trunk, slots being
//! `1 / cps` apart, so a burst of claims goes out as an even stream and the
//! carrier never sees more than its CPS in any second. (The cluster-wide
//! limiter in Redis, issue #4, will sit in front of this one.)

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct TrunkPacer {
    state: Mutex<PacerState>,
}

#[derive(Debug)]
struct PacerState {
    interval: Duration,
    next_slot: Instant,
}

impl TrunkPacer {
    pub(crate) fn new(cps: f64) -> TrunkPacer {
        TrunkPacer { state: Mutex::new(PacerState { interval: interval_for(cps), next_slot: Instant::now() }) }
    }

    pub(crate) fn set_rate(&self, cps: f64) {
        self.state.lock().expect("pacer poisoned").interval = interval_for(cps);
    }

    /// Reserves the next slot and returns when it is due.
    pub(crate) fn reserve(&self) -> Instant {
        let mut state = self.state.lock().expect("pacer poisoned");
        let now = Instant::now();
        let slot = state.next_slot.max(now);
        state.next_slot = slot + state.interval;
        slot
    }
}

/// The same spacing as the cluster-wide limiter (jitter allowance included).
fn interval_for(cps: f64) -> Duration {
    herald_coord::emission_interval(cps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_by_the_rate() {
        let pacer = TrunkPacer::new(20.0);
        let start = Instant::now();
        let slots: Vec<Duration> = (0..5).map(|_| pacer.reserve() - start).collect();
        // 20 CPS: 1.02 s / 20 = 51 ms apart (the 20 ms jitter allowance).
        assert_eq!(slots, (0..5).map(|index| Duration::from_millis(51 * index)).collect::<Vec<_>>());
        // An idle trunk does not bank slots for a later burst.
        tokio::time::advance(Duration::from_secs(10)).await;
        let now = Instant::now();
        assert_eq!(pacer.reserve(), now);
        assert_eq!(pacer.reserve(), now + Duration::from_millis(51));
    }
}
