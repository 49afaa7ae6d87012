//! One dialog-state channel for every call of the agent, routed to each
//! call by Call-ID.
//!
//! rsipstack reports a dialog's progress (18x, 2xx, in-dialog requests, its
//! end) through a channel given when the dialog is created. A tokio channel
//! allocates its first block of 32 slots up front; with `DialogState` (which
//! carries whole SIP messages) that is ≈ 10 KiB per call for a channel that
//! sees a handful of messages. So the agent gives every dialog the same
//! sender, and one task forwards each state, boxed, to its call's small
//! channel (32 pointers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::debug;

/// A call's own stream of its dialog's states.
pub(crate) type StateReceiver = mpsc::UnboundedReceiver<Box<DialogState>>;

#[derive(Debug, Clone, Default)]
pub(crate) struct DialogRoutes {
    calls: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Box<DialogState>>>>>,
}

impl DialogRoutes {
    /// Starts routing `call_id`'s states to the returned receiver, until the
    /// guard is dropped.
    pub(crate) fn register(&self, call_id: &str) -> (RouteGuard, StateReceiver) {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.calls.lock().expect("dialog routes poisoned").insert(call_id.to_owned(), sender);
        (RouteGuard { call_id: call_id.to_owned(), routes: self.clone() }, receiver)
    }

    fn route(&self, state: DialogState) {
        let calls = self.calls.lock().expect("dialog routes poisoned");
        match calls.get(&state.id().call_id) {
            Some(sender) => {
                let _ = sender.send(Box::new(state));
            }
            // The call is over; an in-dialog request's transaction handle
            // dropped here is answered by the stack (501 after 64×T1).
            None => debug!(call_id = %state.id().call_id, "dialog state for no current call"),
        }
    }

    /// Forwards every state from the shared channel until it closes or the
    /// agent shuts down.
    pub(crate) async fn dispatch(self, mut shared: DialogStateReceiver, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                state = shared.recv() => match state {
                    Some(state) => self.route(state),
                    None => return,
                },
                () = shutdown.cancelled() => return,
            }
        }
    }
}

/// Removes a call's route when the call is done with it.
#[derive(Debug)]
pub(crate) struct RouteGuard {
    call_id: String,
    routes: DialogRoutes,
}

impl Drop for RouteGuard {
    fn drop(&mut self) {
        self.routes.calls.lock().expect("dialog routes poisoned").remove(&self.call_id);
    }
}
