//! The calls this node holds, by contact: while a call is here its
//! contact's lease is renewed and `calls_active` counts it; cancelling its
//! token hangs it up.
//!
//! Each call knows when its lease was last confirmed (sent with the claim
//! or a renewal that Postgres answered): the lease guard hangs up a call
//! whose lease has gone unconfirmed for too long, from its own timer, so
//! that a renewal stuck on a dark network cannot keep a call up past its
//! lease (another node may own the contact by then).
//!
//! A call enters with [`ActiveCalls::enter`] and leaves when the returned
//! guard drops — at the end of its task, and also when the task panics —
//! so a broken call never keeps its lease renewed forever (the reaper then
//! re-queues its contact) nor its count in the gauge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use prometheus_client::metrics::gauge::Gauge;
use tokio_util::sync::CancellationToken;

pub(crate) struct ActiveCalls {
    /// Contact id → the call.
    calls: Mutex<HashMap<i64, Held>>,
    /// `herald_talker_calls_active`.
    gauge: Gauge,
}

struct Held {
    /// Cancelling it hangs the call up.
    cancel: CancellationToken,
    /// When the statement that last set its lease was sent.
    confirmed: Instant,
}

/// One call in the set; dropping it takes the call out.
pub(crate) struct ActiveCall {
    calls: Arc<ActiveCalls>,
    contact_id: i64,
}

impl ActiveCalls {
    pub(crate) fn new(gauge: Gauge) -> ActiveCalls {
        ActiveCalls { calls: Mutex::default(), gauge }
    }

    /// `leased` is when the claim that leased the contact was sent.
    pub(crate) fn enter(self: &Arc<Self>, contact_id: i64, cancel: CancellationToken, leased: Instant) -> ActiveCall {
        self.calls.lock().expect("active calls poisoned").insert(contact_id, Held { cancel, confirmed: leased });
        self.gauge.inc();
        ActiveCall { calls: Arc::clone(self), contact_id }
    }

    /// The contacts of the calls held now.
    pub(crate) fn contact_ids(&self) -> Vec<i64> {
        self.calls.lock().expect("active calls poisoned").keys().copied().collect()
    }

    /// These contacts' leases were renewed by a statement sent at `sent`.
    pub(crate) fn confirm(&self, contact_ids: &[i64], sent: Instant) {
        let mut calls = self.calls.lock().expect("active calls poisoned");
        for contact_id in contact_ids {
            if let Some(held) = calls.get_mut(contact_id)
                && held.confirmed < sent
            {
                held.confirmed = sent;
            }
        }
    }

    /// Hangs up the calls of these contacts (their leases moved on).
    pub(crate) fn hang_up(&self, contact_ids: &[i64]) {
        let calls = self.calls.lock().expect("active calls poisoned");
        for contact_id in contact_ids {
            if let Some(held) = calls.get(contact_id) {
                tracing::warn!(contact = contact_id, "lease lost: hanging up");
                held.cancel.cancel();
            }
        }
    }

    /// The lease guard: hangs up every call whose lease was last confirmed
    /// longer than `limit` ago; returns how many it hung up now.
    pub(crate) fn hang_up_unconfirmed(&self, limit: Duration) -> usize {
        let now = Instant::now();
        let calls = self.calls.lock().expect("active calls poisoned");
        let mut hung_up = 0;
        for (contact_id, held) in calls.iter() {
            if now.saturating_duration_since(held.confirmed) > limit && !held.cancel.is_cancelled() {
                tracing::warn!(contact = contact_id, "lease not confirmed in time: hanging up");
                held.cancel.cancel();
                hung_up += 1;
            }
        }
        hung_up
    }
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        // Not poisoned by a panicking call: no call panics holding this lock.
        if let Ok(mut calls) = self.calls.calls.lock() {
            calls.remove(&self.contact_id);
        }
        self.calls.gauge.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call task that panics leaves the set: its contact's lease is no
    /// longer renewed (the reaper takes it over) and the gauge is right.
    #[tokio::test]
    async fn a_call_that_panics_leaves_the_active_set() {
        let gauge = Gauge::default();
        let calls = Arc::new(ActiveCalls::new(gauge.clone()));
        let kept = calls.enter(1, CancellationToken::new(), Instant::now());
        let broken = calls.enter(2, CancellationToken::new(), Instant::now());
        assert_eq!((calls.contact_ids().len(), gauge.get()), (2, 2));
        let task = tokio::spawn(async move {
            let _held = broken;
            panic!("a bug in a call");
        });
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(calls.contact_ids(), vec![1], "the panicked call's contact is no longer renewed");
        assert_eq!(gauge.get(), 1);
        drop(kept);
        assert!(calls.contact_ids().is_empty());
        assert_eq!(gauge.get(), 0);
    }

    /// The guard hangs up exactly the calls whose lease went unconfirmed
    /// past the limit; a renewal moves a call's instant forward, never back.
    #[tokio::test(start_paused = true)]
    async fn the_lease_guard_hangs_up_calls_whose_lease_went_unconfirmed() {
        let calls = Arc::new(ActiveCalls::new(Gauge::default()));
        let (old, fresh) = (CancellationToken::new(), CancellationToken::new());
        let start = Instant::now();
        let _old = calls.enter(1, old.clone(), start);
        tokio::time::advance(Duration::from_secs(30)).await;
        let _fresh = calls.enter(2, fresh.clone(), Instant::now());
        calls.confirm(&[1], start - Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(calls.hang_up_unconfirmed(Duration::from_secs(40)), 1);
        assert!(old.is_cancelled() && !fresh.is_cancelled());
        assert_eq!(calls.hang_up_unconfirmed(Duration::from_secs(40)), 0, "once only");
        calls.confirm(&[2], Instant::now());
        tokio::time::advance(Duration::from_secs(39)).await;
        assert_eq!(calls.hang_up_unconfirmed(Duration::from_secs(40)), 0);
    }
}
