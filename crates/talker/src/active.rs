//! The calls this node holds, by contact: while a call is here its
//! contact's lease is renewed and `calls_active` counts it; cancelling its
//! token hangs it up.
//!
//! A call enters with [`ActiveCalls::enter`] and leaves when the returned
//! guard drops — at the end of its task, and also when the task panics —
//! so a broken call never keeps its lease renewed forever (the reaper then
//! re-queues its contact) nor its count in the gauge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prometheus_client::metrics::gauge::Gauge;
use tokio_util::sync::CancellationToken;

pub(crate) struct ActiveCalls {
    /// Contact id → the call's hang-up token.
    calls: Mutex<HashMap<i64, CancellationToken>>,
    /// `herald_talker_calls_active`.
    gauge: Gauge,
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

    pub(crate) fn enter(self: &Arc<Self>, contact_id: i64, cancel: CancellationToken) -> ActiveCall {
        self.calls.lock().expect("active calls poisoned").insert(contact_id, cancel);
        self.gauge.inc();
        ActiveCall { calls: Arc::clone(self), contact_id }
    }

    /// The contacts of the calls held now.
    pub(crate) fn contact_ids(&self) -> Vec<i64> {
        self.calls.lock().expect("active calls poisoned").keys().copied().collect()
    }

    /// Hangs up the calls of these contacts (their leases moved on).
    pub(crate) fn hang_up(&self, contact_ids: &[i64]) {
        let calls = self.calls.lock().expect("active calls poisoned");
        for contact_id in contact_ids {
            if let Some(cancel) = calls.get(contact_id) {
                tracing::warn!(contact = contact_id, "lease lost: hanging up");
                cancel.cancel();
            }
        }
    }

    /// Hangs up every call.
    pub(crate) fn hang_up_all(&self) {
        for cancel in self.calls.lock().expect("active calls poisoned").values() {
            cancel.cancel();
        }
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
        let kept = calls.enter(1, CancellationToken::new());
        let broken = calls.enter(2, CancellationToken::new());
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
}
