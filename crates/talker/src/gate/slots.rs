//! One limiter's INVITE slots as this node books them (a trunk's CPS, or a
//! campaign's): the cluster-wide GCRA reservation in Redis, booked in
//! batches for the calls queued behind, and this node's own pacer at its
//! local share while Redis is away.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use herald_coord::{CapScope, SlotReservation};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Context;
use super::arithmetic::{LocalPacer, MAX_SLOT_WAIT, banked_slot_usable, booking_batch};

/// A limiter's INVITE slots on this node: one call at a time books (the
/// lock), for itself and the calls queued behind it.
pub(crate) struct SlotBank {
    scope: CapScope,
    /// Slots booked for calls that were queued and not yet handed out, in
    /// time order; its lock is the booking queue's turn.
    banked: tokio::sync::Mutex<VecDeque<Instant>>,
    /// Calls waiting for the lock.
    queued: AtomicUsize,
    /// The spacing this node keeps alone while Redis is away.
    local: Mutex<LocalPacer>,
}

/// What a booking found.
pub(crate) enum Booked {
    /// Send at this instant (the caller sleeps until it).
    At(Instant),
    /// No slot within the horizon asked for (only with a short horizon:
    /// with [`MAX_SLOT_WAIT`] the booking waits and asks again).
    NotSoon,
    Cancelled,
}

/// The rate a booking asks for: `cap` is the cluster's (Redis slows a
/// trunk's by its overload factor), `local` what this node dials at alone
/// while Redis is away.
pub(crate) struct Rate {
    pub(crate) cap: f64,
    pub(crate) local: f64,
}

impl SlotBank {
    pub(crate) fn new(scope: CapScope) -> SlotBank {
        SlotBank {
            scope,
            banked: tokio::sync::Mutex::default(),
            queued: AtomicUsize::new(0),
            local: Mutex::new(LocalPacer::new()),
        }
    }

    /// Books this limiter's next INVITE slot no further than `horizon` ahead.
    ///
    /// The node's calls take turns (a fair queue): one booking in flight,
    /// and a call that finds the cluster's next `horizon` booked waits at
    /// the head of the queue rather than every waiting call asking Redis
    /// again and again. The call at the head books for the calls queued
    /// behind it too, in one round trip: they take their slots from the
    /// bank when their turn comes. A banked slot more than
    /// `BANKED_SLOT_LATENESS` past is dropped unused — a few INVITEs fewer,
    /// never one too many.
    ///
    /// `note_factor` hears a trunk's overload factor from each reservation.
    pub(crate) async fn book(
        &self,
        context: &Context,
        rate: &(dyn Fn() -> Rate + Sync),
        horizon: Duration,
        note_factor: &(dyn Fn(f64) + Sync),
        cancel: &CancellationToken,
    ) -> Booked {
        self.queued.fetch_add(1, Ordering::Relaxed);
        // A short horizon waits its turn no longer than the horizon: the
        // call at the head may be waiting out a full limiter.
        let turn = if horizon < MAX_SLOT_WAIT { horizon } else { Duration::MAX };
        let locked = tokio::select! {
            banked = tokio::time::timeout(turn, self.banked.lock()) => banked.ok(),
            () = cancel.cancelled() => None,
        };
        self.queued.fetch_sub(1, Ordering::Relaxed);
        let mut banked = match locked {
            Some(banked) => banked,
            None if cancel.is_cancelled() => return Booked::Cancelled,
            None => return Booked::NotSoon,
        };
        let now = Instant::now();
        while let Some(slot) = banked.pop_front() {
            if slot.saturating_duration_since(now) > horizon {
                // Booked for later than this call can use: it stays banked.
                banked.push_front(slot);
                return Booked::NotSoon;
            }
            if banked_slot_usable(slot, now) {
                return Booked::At(slot);
            }
        }
        loop {
            let rate = rate();
            let batch = booking_batch(rate.cap, self.queued.load(Ordering::Relaxed));
            let reservation =
                context.redis.reserve_slots(self.scope, rate.cap, horizon, batch).await.map(|(reservation, factor)| {
                    note_factor(factor);
                    reservation
                });
            match reservation {
                Some(SlotReservation::Reserved { waits }) => {
                    let now = Instant::now();
                    banked.extend(waits.iter().skip(1).map(|&wait| now + wait));
                    // A reply always carries one slot at least.
                    return waits.first().map_or(Booked::NotSoon, |&wait| Booked::At(now + wait));
                }
                Some(SlotReservation::Full { .. }) if horizon < MAX_SLOT_WAIT => return Booked::NotSoon,
                Some(SlotReservation::Full { retry_after }) => {
                    tokio::select! {
                        () = tokio::time::sleep(retry_after) => continue,
                        () = cancel.cancelled() => return Booked::Cancelled,
                    }
                }
                None => {
                    let mut local = self.local.lock().expect("pacer poisoned");
                    local.set_rate(rate.local);
                    // A long horizon takes the next local slot however far:
                    // this node's own queue is the only one it has.
                    let horizon = if horizon < MAX_SLOT_WAIT { horizon } else { Duration::MAX };
                    return match local.reserve(Instant::now(), horizon) {
                        Some(slot) => Booked::At(slot),
                        None => Booked::NotSoon,
                    };
                }
            }
        }
    }
}
