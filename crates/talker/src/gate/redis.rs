//! Every call to Redis that admission makes, in one place: the gates' view
//! of the cluster's shared caps. The scripts themselves (GCRA slots, line
//! leases, the overload back-off) are `herald_coord`'s `limits` module;
//! this file names the keys' scopes and this node's lease ids, and turns
//! "Redis is away" into `None`, which each caller answers with its local
//! share.

use std::time::Duration;

use herald_coord::{CapScope, Coord, SlotReservation};
use tracing::debug;

use super::arithmetic::BREAKER_COOL_DOWN;

/// After its connection to the Redis master was replaced (a Sentinel
/// failover, an outage), a node takes no new line and books its INVITE
/// slots from its local share for this long. The new master may lack the
/// last line leases and limiter state the old one had (replication is
/// asynchronous); every node re-registers its leases as soon as it
/// reconnects (`Gates::renew_lines`), and until the slowest has, a line
/// that looks free may not be, nor a slot. Measured without it: one or two calls over a
/// line cap about 2 s after the master was killed (loadtest/README.md).
const RECONNECT_SETTLE: Duration = Duration::from_millis(1500);

/// Whether this node's Redis connection was replaced less than
/// [`RECONNECT_SETTLE`] ago.
fn settling(coord: &Coord) -> bool {
    coord.since_reconnect().is_some_and(|since| since < RECONNECT_SETTLE)
}

pub(crate) struct SharedCaps {
    /// `None`: no Redis configured; every cap applies to this node alone.
    coord: Option<Coord>,
    /// What this node's lease ids start with (`<node id>:`), so that it can
    /// tell its own leases from other nodes'.
    lease_prefix: String,
    /// How long a line lease lasts without renewal.
    line_ttl: Duration,
}

impl SharedCaps {
    pub(super) fn new(coord: Option<Coord>, node_id: &str, line_ttl: Duration) -> SharedCaps {
        SharedCaps { coord, lease_prefix: format!("{node_id}:"), line_ttl }
    }

    /// Whether the caps are shared at all (a Redis is configured).
    pub(super) fn configured(&self) -> bool {
        self.coord.is_some()
    }

    fn lease_id(&self, attempt_id: i64) -> String {
        format!("{}{attempt_id}", self.lease_prefix)
    }

    /// Up to `count` of the scope's next INVITE slots at `cps`, none further
    /// than `horizon` ahead, and the scope's overload factor.
    pub(super) async fn reserve_slots(
        &self,
        scope: CapScope,
        cps: f64,
        horizon: Duration,
        count: usize,
    ) -> Option<(SlotReservation, f64)> {
        let coord = self.coord.as_ref()?;
        // Just after a failover the new master's limiter may lack the last
        // slots the old one gave (and other nodes may still be on their
        // local shares): keep to this node's share until it settles.
        if settling(coord) {
            return None;
        }
        match coord.reserve_invite_slots(scope, cps, horizon, count).await {
            Ok((reservation, factor)) => Some((reservation, factor.0)),
            Err(error) => {
                debug!(%error, %scope, "cps limiter unreachable: local share");
                None
            }
        }
    }

    /// Takes one of the scope's `max_lines` for the attempt if one is free.
    /// Just after this node reconnected (a failover, an outage) none is:
    /// see [`RECONNECT_SETTLE`].
    pub(super) async fn acquire_line(&self, scope: CapScope, attempt_id: i64, max_lines: u32) -> Option<bool> {
        let coord = self.coord.as_ref()?;
        if settling(coord) {
            return Some(false);
        }
        match coord.acquire_line(scope, &self.lease_id(attempt_id), max_lines, self.line_ttl).await {
            Ok(taken) => Some(taken),
            Err(error) => {
                debug!(%error, %scope, "line leases unreachable: local share");
                None
            }
        }
    }

    /// Counts the attempt's line again, even over the cap: its call is
    /// real (Redis lost the lease), and new calls must wait for it.
    pub(super) async fn take_again(&self, scope: CapScope, attempt_id: i64) {
        if let Some(coord) = &self.coord {
            let _ = coord.acquire_line(scope, &self.lease_id(attempt_id), u32::MAX, self.line_ttl).await;
        }
    }

    /// Renews the attempts' leases; how many Redis still held.
    pub(super) async fn renew_lines(&self, scope: CapScope, attempt_ids: &[i64]) -> Option<u64> {
        let coord = self.coord.as_ref()?;
        let lease_ids: Vec<String> = attempt_ids.iter().map(|&attempt_id| self.lease_id(attempt_id)).collect();
        match coord.renew_lines(scope, &lease_ids, self.line_ttl).await {
            Ok(held) => Some(held),
            Err(error) => {
                debug!(%error, %scope, "renewing line leases failed");
                None
            }
        }
    }

    /// Drops this node's leases in the scope but those of `keep`; how many.
    pub(super) async fn prune_lines(&self, scope: CapScope, keep: &[i64]) -> Option<u64> {
        let coord = self.coord.as_ref()?;
        let keep: Vec<String> = keep.iter().map(|&attempt_id| self.lease_id(attempt_id)).collect();
        match coord.prune_lines(scope, &self.lease_prefix, &keep).await {
            Ok(dropped) => Some(dropped),
            Err(error) => {
                debug!(%error, %scope, "pruning line leases failed");
                None
            }
        }
    }

    /// Gives lines back, all in one round trip. One that does not reach
    /// Redis is dropped by the next renewal's prune.
    pub(super) async fn release_lines(&self, leases: &[(CapScope, i64)]) {
        let Some(coord) = &self.coord else { return };
        let leases: Vec<(CapScope, String)> =
            leases.iter().map(|&(scope, attempt_id)| (scope, self.lease_id(attempt_id))).collect();
        if let Err(error) = coord.release_lines(&leases).await {
            debug!(%error, lines = leases.len(), "releasing lines failed");
        }
    }

    /// Counts an overload answer (503/480) toward the trunk's back-off
    /// across the cluster: whether it halved the rate, and the factor now.
    pub(super) async fn report_overload(&self, trunk_id: i64) -> Option<(bool, f64)> {
        let coord = self.coord.as_ref()?;
        match coord.report_overload(trunk_id).await {
            Ok((halved, factor)) => Some((halved, factor.0)),
            Err(error) => {
                debug!(%error, trunk = trunk_id, "overload state unreachable: this node backs off alone");
                None
            }
        }
    }

    /// Opens the trunk's breaker for every node; false if Redis is away.
    pub(super) async fn open_breaker(&self, trunk_id: i64) -> bool {
        let Some(coord) = &self.coord else { return false };
        coord.open_breaker(trunk_id, BREAKER_COOL_DOWN).await.is_ok()
    }

    /// Of `trunk_ids`, those whose breaker another node opened, and for how
    /// much longer.
    pub(super) async fn open_breakers(&self, trunk_ids: &[i64]) -> Vec<(i64, Duration)> {
        let Some(coord) = &self.coord else { return Vec::new() };
        coord.open_breakers(trunk_ids).await.unwrap_or_else(|error| {
            debug!(%error, "cannot read the cluster's breakers");
            Vec::new()
        })
    }
}
