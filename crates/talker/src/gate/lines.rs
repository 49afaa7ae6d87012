//! One cap's concurrent lines as this node holds them (a trunk's lines, or
//! a campaign's concurrent calls): leases in Redis shared by the cluster,
//! this node's own count beside them, and its local share while Redis is
//! away.
//!
//! A lease id is `<node>:<attempt>`, so a node can tell its own leases from
//! other nodes' and drop the ones no call of its holds any more.

use std::collections::HashSet;
use std::sync::Mutex;

use herald_coord::CapScope;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::Context;
use super::arithmetic::{LINE_POLL, outage_line_share};
use super::redis::SharedCaps;

pub(crate) struct LineLeases {
    pub(crate) scope: CapScope,
    state: Mutex<LineState>,
    /// Woken when one of this node's calls gives a line back, so that a
    /// call of this node waiting for one takes it at once rather than at
    /// its next poll.
    freed: tokio::sync::Notify,
}

#[derive(Default)]
struct LineState {
    /// Attempts holding a line.
    held: HashSet<i64>,
    /// Attempts asking Redis for a line: Redis may hold their lease before
    /// they are in `held`.
    taking: HashSet<i64>,
    /// Lines this node held when Redis last answered about them: the most
    /// it takes while Redis is away (`None`: it never heard).
    held_at_last_answer: Option<usize>,
    /// Whether this node ever took a line here (so it has leases to prune).
    used: bool,
}

impl LineState {
    /// Counts the attempt's line if fewer than `limit` are held (checked and
    /// counted under one lock, so two calls cannot both take the last one).
    fn admit(&mut self, attempt_id: i64, limit: usize) -> bool {
        if self.held.len() >= limit {
            return false;
        }
        self.taking.remove(&attempt_id);
        self.held.insert(attempt_id);
        true
    }
}

impl LineLeases {
    pub(crate) fn new(scope: CapScope) -> LineLeases {
        LineLeases { scope, state: Mutex::default(), freed: tokio::sync::Notify::new() }
    }

    /// Lines this node's calls hold here.
    pub(crate) fn held(&self) -> usize {
        self.state.lock().expect("lines poisoned").held.len()
    }

    /// Waits for one of `max_lines` lines for the attempt; false if
    /// cancelled first (then nothing is held).
    pub(crate) async fn take(
        &self,
        context: &Context,
        attempt_id: i64,
        max_lines: u32,
        cancel: &CancellationToken,
    ) -> bool {
        {
            let mut state = self.state.lock().expect("lines poisoned");
            state.taking.insert(attempt_id);
            state.used = true;
        }
        loop {
            let answer = context.redis.acquire_line(self.scope, attempt_id, max_lines).await;
            let taken = {
                let mut state = self.state.lock().expect("lines poisoned");
                match answer {
                    Some(granted) => {
                        state.held_at_last_answer = Some(state.held.len() + usize::from(granted));
                        // Redis said yes: counted here whatever the count.
                        granted && state.admit(attempt_id, usize::MAX)
                    }
                    None if context.redis.configured() => {
                        let share = outage_line_share(max_lines, context.live_talkers(), state.held_at_last_answer);
                        state.admit(attempt_id, share)
                    }
                    None => state.admit(attempt_id, max_lines as usize),
                }
            };
            if taken {
                return true;
            }
            // Until the next poll, or until a call of this node frees a line.
            tokio::select! {
                () = tokio::time::sleep(LINE_POLL) => {}
                () = self.freed.notified() => {}
                () = cancel.cancelled() => {
                    self.state.lock().expect("lines poisoned").taking.remove(&attempt_id);
                    return false;
                }
            }
        }
    }

    /// The attempt's call is over: its line is no longer counted here. The
    /// caller gives the lease back in Redis (in a batch), then calls
    /// [`LineLeases::freed`].
    pub(crate) fn forget(&self, attempt_id: i64) -> bool {
        self.state.lock().expect("lines poisoned").held.remove(&attempt_id)
    }

    /// A line of this node's is free again: a call waiting for one asks now.
    pub(crate) fn freed(&self) {
        self.freed.notify_one();
    }

    /// Redis answered about the lines: remember what this node holds.
    fn note_held(&self) {
        let mut state = self.state.lock().expect("lines poisoned");
        state.held_at_last_answer = Some(state.held.len());
    }

    /// Renews this node's leases here and reconciles Redis with its calls:
    /// a lease Redis lost (a failover, an outage) is taken again, and one of
    /// this node's leases that no call holds any more (a release that never
    /// reached Redis, or that a failover lost) is dropped, instead of
    /// keeping a line idle until its TTL.
    pub(crate) async fn renew(&self, redis: &SharedCaps) {
        let (attempt_ids, used): (Vec<i64>, bool) = {
            let state = self.state.lock().expect("lines poisoned");
            (state.held.iter().copied().collect(), state.used)
        };
        if !attempt_ids.is_empty() {
            self.renew_held(redis, &attempt_ids).await;
        }
        // After the renewal: a lease it took again for a call that ended
        // meanwhile goes too.
        if used {
            self.prune(redis).await;
        }
    }

    /// Renews the leases of `attempt_ids`, which held lines when read.
    pub(crate) async fn renew_held(&self, redis: &SharedCaps, attempt_ids: &[i64]) {
        let Some(held) = redis.renew_lines(self.scope, attempt_ids).await else { return };
        self.note_held();
        if held == attempt_ids.len() as u64 {
            return;
        }
        // Calls that ended since `attempt_ids` was read released their
        // lines: they are no loss, and taking theirs again would leave
        // leases no call holds. (One that ends while it is taken again is
        // dropped by `renew`'s prune.)
        let still_ours: Vec<i64> = {
            let state = self.state.lock().expect("lines poisoned");
            attempt_ids.iter().copied().filter(|attempt_id| state.held.contains(attempt_id)).collect()
        };
        if (held as usize) < still_ours.len() {
            warn!(scope = %self.scope, held, ours = still_ours.len(), "re-registering line leases redis lost");
        } else {
            debug!(scope = %self.scope, held, ours = still_ours.len(), "line leases released while renewing");
        }
        for attempt_id in still_ours {
            redis.take_again(self.scope, attempt_id).await;
        }
    }

    /// Drops this node's leases here that none of its calls holds or is
    /// taking.
    async fn prune(&self, redis: &SharedCaps) {
        // Read now, after any release it should count: a call taking a
        // line meanwhile is in `taking` before Redis can hold its lease.
        let keep: Vec<i64> = {
            let state = self.state.lock().expect("lines poisoned");
            state.held.iter().chain(state.taking.iter()).copied().collect()
        };
        match redis.prune_lines(self.scope, &keep).await {
            None | Some(0) => {}
            Some(dropped) => {
                info!(scope = %self.scope, dropped, "dropped line leases of calls that ended while redis was away");
                self.freed();
            }
        }
    }
}
