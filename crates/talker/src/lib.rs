//! The Talker: Herald's dialer.
//!
//! A Talker claims due contacts from Postgres (leasing them to itself),
//! admits each call through its trunk's and its campaign's gates (`gate`:
//! lines, INVITE slots, back-off and breaker, shared by the cluster through
//! Redis), plays each answered call its campaign's prompt or script through
//! the shared media engine, and writes each attempt's outcome exactly once.
//! While calls run it renews their leases; a call whose lease is lost, or
//! whose renewal has gone unanswered for two thirds of a lease (the lease
//! guard, on its own timer), is hung up, because another node may own that
//! contact by then. A record that cannot reach Postgres goes to the
//! journal and is replayed before the node claims again.
//!
//! # Layout
//!
//! - here: the claim loop and the node's background tasks (lease renewal,
//!   trunk refresh and probes, breakers other nodes opened);
//! - `call`: one attempt, from claimed contact to terminal record;
//! - `gate`: admission, one gate per trunk and per campaign;
//! - `dial`: one SIP call and its media, script and answering-machine
//!   detection (also `herald call`);
//! - `resources`: what calls read from Postgres and cache (trunks, prompts,
//!   scripts, caller-ID pools, trunk groups);
//! - `recorder`: terminal records, written in batches;
//! - `journal`: records and opt-outs Postgres could not take, on local
//!   disk until it can (the node claims nothing while any wait);
//! - `live`: what the dashboards are told; `metrics`: Prometheus.
//!
//! On shutdown it drains: it stops claiming, lets calls finish for the grace
//! period, hangs up the rest, records them, and returns.
//!
//! The Talker never talks to another service: it meets the Scheduler and
//! the UI only in Postgres and Redis.

// Proving a call task `Send` walks through the SIP stack's and sqlx's types
// (sockets inside pools inside the shared state), and with some feature
// combinations of sqlx that walk exceeds the default depth of 128. A
// compile-time limit only.
#![recursion_limit = "256"]

mod active;
mod call;
mod dial;
mod gate;
mod journal;
mod live;
mod metrics;
mod recorder;
mod resources;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use herald_config::TalkerConfig;
use herald_coord::Coord;
use herald_media::{MediaConfig, MediaEngine};
use herald_sip::{SipAgent, SipConfig};
use herald_store::{DialPlan, Store};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, info, info_span, warn};

pub use dial::{CallReport, DialRequest, HangupBy, SESSION_EXPIRED, dial};

/// The bundled prompt (`sounds/welcome.wav`): played when a campaign names
/// none, by `herald call` without `--prompt`, and by the demo.
pub const DEFAULT_PROMPT_WAV: &[u8] = include_bytes!("../../../sounds/welcome.wav");
pub use metrics::TalkerMetrics;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sip: {0}")]
    Sip(#[from] herald_sip::Error),
    #[error("store: {0}")]
    Store(#[from] herald_store::Error),
    #[error("media: {0}")]
    Media(#[from] herald_media::MediaError),
    #[error("record journal in {dir}: {error}")]
    Journal { dir: String, error: std::io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The running dialer of one node.
pub struct Talker {
    shared: Arc<Shared>,
}

/// What every call task of this node shares.
pub(crate) struct Shared {
    pub(crate) node_id: String,
    pub(crate) config: TalkerConfig,
    pub(crate) store: Store,
    pub(crate) sip: SipAgent,
    pub(crate) media: MediaEngine,
    pub(crate) resources: resources::Resources,
    pub(crate) metrics: TalkerMetrics,
    /// Calls in progress by contact: their leases are renewed.
    pub(crate) active: Arc<active::ActiveCalls>,
    /// One permit per call this node may hold.
    pub(crate) capacity: Arc<Semaphore>,
    /// Admission: every trunk's and campaign's caps, shared through Redis.
    pub(crate) gates: gate::Gates,
    pub(crate) coord: Option<Coord>,
    /// What the dashboards are told (published by `live::publish_ticks`).
    pub(crate) live: live::LiveFeed,
    /// Text-to-speech for call scripts' `say` steps (shared with the other
    /// services of the process: one cache, one bound on syntheses).
    pub(crate) speech: Arc<herald_speech::Speech>,
    /// Writes the calls' terminal records, in batches.
    pub(crate) recorder: recorder::Recorder,
    /// What Postgres could not take yet.
    pub(crate) journal: Arc<journal::Journal>,
}

impl Talker {
    /// Binds SIP and starts the media loops. Nothing is dialed until [`Talker::run`].
    ///
    /// The SIP agent outlives the shutdown signal: while the Talker drains,
    /// its calls still send BYE and read the answers. [`Talker::run`] stops
    /// it once the calls are over; dropping the Talker stops it too.
    ///
    /// Without `coord` (no Redis) each trunk's caps apply to this node alone.
    pub async fn build(
        node_id: String,
        config: TalkerConfig,
        store: Store,
        coord: Option<Coord>,
        metrics: TalkerMetrics,
    ) -> Result<Talker> {
        let journal = journal::Journal::open(std::path::Path::new(&config.journal_dir), &node_id)
            .map_err(|error| Error::Journal { dir: config.journal_dir.clone(), error })?;
        let sip = SipAgent::start(
            SipConfig { listen: config.sip_listen, user_agent: format!("Herald/{}", env!("CARGO_PKG_VERSION")) },
            CancellationToken::new(),
        )
        .await?;
        let media = MediaEngine::start(MediaConfig {
            bind_ip: config.media_ip,
            port_min: config.rtp_port_min,
            port_max: config.rtp_port_max,
            shards: config.media_shards,
            mode: config.media_mode,
            max_calls: config.max_calls,
            priority: config.media_priority,
        })?;
        let capacity = Arc::new(Semaphore::new(config.max_calls));
        // A line lease outlives its node by as long as the node's calls could
        // have lasted: a killed Talker's calls stay up at the carrier (nobody
        // is left to send their BYE) until the carrier's own timers end them,
        // and their lines must stay counted meanwhile. Calls that end
        // normally release their line at once.
        let line_ttl = Duration::from_secs(config.max_call_secs.max(config.lease_secs));
        let gates = gate::Gates::new(coord.clone(), line_ttl, &node_id, config.max_calls);
        let recorder = recorder::Recorder::start(store.clone(), node_id.clone());
        let active = Arc::new(active::ActiveCalls::new(metrics.calls_active.clone()));
        let shared = Arc::new(Shared {
            node_id,
            recorder,
            journal: Arc::new(journal),
            resources: resources::Resources::new(store.clone()),
            gates,
            coord,
            config,
            store,
            sip,
            media,
            metrics,
            active,
            capacity,
            live: live::LiveFeed::default(),
            speech: Arc::new(herald_speech::Speech::from_config(&herald_config::SpeechConfig::default())),
        });
        Ok(Talker { shared })
    }

    /// Speaks scripts' `say` steps with this engine (by default espeak-ng
    /// with the default voice). Call before [`Talker::run`].
    pub fn with_speech(mut self, speech: Arc<herald_speech::Speech>) -> Talker {
        match Arc::get_mut(&mut self.shared) {
            Some(shared) => shared.speech = speech,
            None => warn!("the Talker is already running: its speech engine stays as it is"),
        }
        self
    }

    pub fn sip_addr(&self) -> std::net::SocketAddr {
        self.shared.sip.local_addr()
    }

    /// Dials until `shutdown` is cancelled, then drains.
    pub async fn run(self, shutdown: CancellationToken) -> Result<()> {
        let shared = self.shared;
        info!(node = %shared.node_id, sip = %shared.sip.local_addr(), max_calls = shared.config.max_calls, "talker started");
        let calls = TaskTracker::new();
        let hang_up_all = CancellationToken::new();
        let renewal = tokio::spawn(renew_leases(Arc::clone(&shared), hang_up_all.clone()));
        let guard = tokio::spawn(guard_leases(Arc::clone(&shared), hang_up_all.clone()));
        let line_renewal = tokio::spawn(renew_line_leases(Arc::clone(&shared), hang_up_all.clone()));
        let stop_replay = CancellationToken::new();
        let replay =
            tokio::spawn(journal::replay_until(Arc::clone(&shared.journal), shared.store.clone(), stop_replay.clone()));
        let trunk_refresh = tokio::spawn(refresh_trunks(Arc::clone(&shared), hang_up_all.clone()));
        let trunk_probes = tokio::spawn(probe_trunks(Arc::clone(&shared), hang_up_all.clone()));
        let line_watch = tokio::spawn(reregister_lines_on_reconnect(Arc::clone(&shared), hang_up_all.clone()));
        let breaker_watch = tokio::spawn(watch_breakers(Arc::clone(&shared), hang_up_all.clone()));
        let stop_feed = CancellationToken::new();
        let feed = tokio::spawn(live::publish_ticks(Arc::clone(&shared), stop_feed.clone()));

        let claim_interval = Duration::from_millis(shared.config.claim_interval_ms);
        while !shutdown.is_cancelled() {
            // Straight on only while claims come back full: a round that
            // found room for a few calls waits for more room, so that at
            // hundreds of calls a second the claims (dial plans, claim, list
            // verdicts: three statements) are batches, not a spin of
            // three statements per handful of calls.
            let full = match claim_and_start(&shared, &calls, &hang_up_all).await {
                Ok(full) => full,
                Err(error) => {
                    warn!(%error, "claiming due contacts failed");
                    false
                }
            };
            if !full {
                tokio::select! {
                    () = tokio::time::sleep(claim_interval) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }

        // Drain: no new claims; calls may finish within the grace period.
        let grace = Duration::from_secs(shared.config.drain_grace_secs);
        info!(active = calls.len(), grace_secs = grace.as_secs(), "draining");
        calls.close();
        if tokio::time::timeout(grace, calls.wait()).await.is_err() {
            warn!(active = calls.len(), "grace period over: hanging up remaining calls");
            hang_up_all.cancel();
            calls.wait().await;
        }
        hang_up_all.cancel();
        let _ = renewal.await;
        let _ = guard.await;
        let _ = line_renewal.await;
        let _ = line_watch.await;
        let _ = breaker_watch.await;
        let _ = trunk_refresh.await;
        let _ = trunk_probes.await;
        stop_feed.cancel();
        let _ = feed.await;
        // Last: what the calls could not record goes to Postgres if it can.
        stop_replay.cancel();
        let _ = replay.await;
        // Every call is over: their lines go back before the node stops.
        shared.gates.close().await;
        shared.sip.shutdown().await;
        info!("talker stopped");
        Ok(())
    }
}

/// The gates of the trunks a campaign dials through, the trunks loaded if
/// this node has not yet (so that the first claims are held to their CPS
/// too, rather than hoarding a claim batch or two before any call has read
/// its trunk): its trunk, or its group's members. `None` for a trunk that
/// cannot be read; empty when the group cannot be.
async fn plan_trunks(shared: &Shared, plan: &DialPlan) -> Vec<Option<Arc<gate::TrunkGate>>> {
    let trunk_ids: Vec<i64> = match plan.trunk_group_id {
        Some(group_id) => match Box::pin(shared.resources.trunk_route(group_id)).await {
            Ok(route) => route.members.iter().map(|member| member.trunk_id).collect(),
            Err(error) => {
                warn!(%error, group_id, "cannot read the campaign's trunk group");
                Vec::new()
            }
        },
        None => plan.trunk_id.into_iter().collect(),
    };
    let mut gates = Vec::with_capacity(trunk_ids.len());
    for trunk_id in trunk_ids {
        let trunk = Box::pin(call::trunk_for(shared, Some(trunk_id))).await.ok();
        gates.push(trunk.map(|trunk| shared.gates.trunk(&trunk)));
    }
    gates
}

/// Claims as many due contacts as there is room for and starts their calls;
/// true when a claim came back full (`claim_batch` contacts: more may be
/// due at once).
async fn claim_and_start(shared: &Arc<Shared>, calls: &TaskTracker, hang_up_all: &CancellationToken) -> Result<bool> {
    let room = shared.capacity.available_permits();
    if room == 0 {
        return Ok(false);
    }
    // The records of calls already made go to Postgres before new calls.
    if !shared.journal.is_clear() {
        return Ok(false);
    }
    // Admission control: when the media loops fall behind their 20 ms tick,
    // take no new calls until they catch up, rather than degrade every call.
    let lateness_us = shared.media.stats().max_tick_lateness_us.swap(0, std::sync::atomic::Ordering::Relaxed);
    shared.metrics.media_tick_lateness_us.set(lateness_us as i64);
    if lateness_us > shared.config.overload_lateness_ms * 1000 {
        shared.metrics.claims_refused_overload.inc();
        warn!(lateness_us, "media loops behind: not taking new calls this round");
        return Ok(false);
    }
    let plans: Vec<DialPlan> = shared.store.running_dial_plans().await?;
    shared.gates.retain_campaigns(&plans);
    let mut full = false;
    for plan in plans {
        let room = shared.capacity.available_permits() as i64;
        if room == 0 {
            break;
        }
        // No further ahead of the trunks' and the campaign's CPS than their
        // gates allow (`gate::arithmetic::DIAL_AHEAD`). A campaign whose
        // trunks cannot be found claims as usual: its calls say why they
        // cannot be placed.
        let trunks = Box::pin(plan_trunks(shared, &plan)).await;
        let trunk_room = if trunks.is_empty() {
            i64::MAX
        } else {
            trunks
                .iter()
                .map(|trunk| trunk.as_ref().map_or(i64::MAX, |trunk| trunk.dial_ahead_room() as i64))
                .fold(0_i64, i64::saturating_add)
        };
        let campaign = shared.gates.campaign(&plan);
        let campaign_room = campaign.as_ref().map_or(i64::MAX, |gate| gate.dial_ahead_room() as i64);
        let first_trunk = trunks.first().cloned().flatten();
        let limit = room.min(shared.config.claim_batch).min(trunk_room).min(campaign_room);
        if limit == 0 {
            continue;
        }
        let leased = tokio::time::Instant::now();
        let claims = shared.store.claim_due(&shared.node_id, plan.id, limit, shared.config.lease_secs).await?;
        full |= claims.len() as i64 == shared.config.claim_batch;
        let lists = Box::pin(call::check_lists(shared, &plan, &claims)).await;
        // Parse the campaign's rules once for the whole batch.
        let plan = Arc::new(call::CampaignRules::new(plan, campaign));
        for (claim, lists) in claims.into_iter().zip(lists) {
            let permit =
                Arc::clone(&shared.capacity).try_acquire_owned().expect("claimed no more than the free permits");
            let cancel = hang_up_all.child_token();
            let active = shared.active.enter(claim.contact_id, cancel.clone(), leased);
            let span =
                info_span!("call", attempt = claim.attempt_id, contact = claim.contact_id, campaign = plan.plan.id);
            // Counted on the plan's first trunk (a group's call may end up on another).
            let waiting = gate::Waiting::new(first_trunk.as_deref(), plan.gate.as_deref());
            let shared = Arc::clone(shared);
            let plan = Arc::clone(&plan);
            calls.spawn(
                async move {
                    call::run_attempt(&shared, &plan, claim, lists, waiting, cancel).await;
                    // (Dropped on a panic too: see `active`.)
                    drop(active);
                    drop(permit);
                }
                .instrument(span),
            );
        }
    }
    Ok(full)
}

/// After Redis reconnects (a Sentinel failover, an outage), re-registers this
/// node's line leases at once rather than at the next renewal: the new
/// master may have lost the last acquisitions, and until they are back it
/// would grant lines over the trunk's cap.
async fn reregister_lines_on_reconnect(shared: Arc<Shared>, stop: CancellationToken) {
    let Some(coord) = shared.coord.clone() else { return };
    let mut seen = coord.connections_made();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let now = coord.connections_made();
        if now != seen {
            seen = now;
            shared.gates.renew_lines().await;
        }
    }
}

/// Renews this node's leases every third of their length. A call whose
/// lease is no longer this node's is hung up: another node may own it now.
/// Each renewal is bounded by a third of a lease, so that one stuck on a
/// dark network never delays the next; the lease guard (`guard_leases`)
/// hangs up what stays unconfirmed.
async fn renew_leases(shared: Arc<Shared>, stop: CancellationToken) {
    let lease = Duration::from_secs(shared.config.lease_secs);
    let mut ticker = tokio::time::interval(lease / 3);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let ids: Vec<i64> = shared.active.contact_ids();
        if ids.is_empty() {
            continue;
        }
        let sent = tokio::time::Instant::now();
        let renewal = shared.store.renew_leases(&shared.node_id, &ids, shared.config.lease_secs);
        match tokio::time::timeout(lease / 3, renewal).await {
            Ok(Ok(held)) => {
                shared.active.confirm(&held, sent);
                let held: std::collections::HashSet<i64> = held.into_iter().collect();
                let lost: Vec<i64> = ids.into_iter().filter(|id| !held.contains(id)).collect();
                shared.active.hang_up(&lost);
            }
            Ok(Err(error)) => warn!(%error, "renewing leases failed"),
            Err(_) => warn!("renewing leases got no answer in a third of a lease"),
        }
    }
}

/// Renews this node's line leases in Redis every third of a Postgres lease,
/// in a task of its own: Redis being slow or away must never delay the
/// Postgres renewal (the lease guard would hang the calls up).
async fn renew_line_leases(shared: Arc<Shared>, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(Duration::from_secs(shared.config.lease_secs) / 3);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        tokio::select! {
            () = shared.gates.renew_lines() => {}
            () = stop.cancelled() => return,
        }
    }
}

/// The share of a lease after which a call whose lease was not confirmed
/// is hung up: the reaper may hand its contact to another node once the
/// whole lease has passed, and the call must be gone well before.
const LEASE_GUARD_SHARE: f64 = 2.0 / 3.0;

/// The lease guard: on its own timer (a lease / 12, at most a second),
/// hangs up every call whose lease has gone unconfirmed for two thirds of
/// a lease, whatever the renewal task is stuck on.
async fn guard_leases(shared: Arc<Shared>, stop: CancellationToken) {
    let lease = Duration::from_secs(shared.config.lease_secs);
    let limit = lease.mul_f64(LEASE_GUARD_SHARE);
    let mut ticker = tokio::time::interval((lease / 12).min(Duration::from_secs(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let hung_up = shared.active.hang_up_unconfirmed(limit);
        if hung_up > 0 {
            shared.metrics.lease_guard_hangups.inc_by(hung_up as u64);
            warn!(hung_up, "lease guard: leases unconfirmed for two thirds of a lease, calls hung up");
        }
    }
}

/// Every second, takes over the circuit breakers other nodes opened.
async fn watch_breakers(shared: Arc<Shared>, stop: CancellationToken) {
    if shared.coord.is_none() {
        return;
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let trunk_ids: Vec<i64> = shared.resources.enabled_trunks().iter().map(|trunk| trunk.id).collect();
        shared.gates.take_over_breakers(&trunk_ids).await;
    }
}

/// Keeps the trunk list (and so the SIP source allow-list) fresh.
async fn refresh_trunks(shared: Arc<Shared>, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        if let Err(error) = shared.refresh_trunks().await {
            warn!(%error, "refreshing trunks failed");
        }
        if let Some(coord) = &shared.coord
            && let Ok(nodes) = coord.live_nodes().await
        {
            let talkers = nodes.iter().filter(|node| node.services.iter().any(|service| service == "talker")).count();
            shared.gates.set_live_talkers(talkers);
        }
    }
}

/// Sends OPTIONS to every trunk each `trunk_probe_secs` and publishes
/// whether it answered (RFC 3261 §11). Probes of one round run together,
/// each bounded by the probe timeout.
async fn probe_trunks(shared: Arc<Shared>, stop: CancellationToken) {
    if shared.config.trunk_probe_secs == 0 {
        return;
    }
    let period = Duration::from_secs(shared.config.trunk_probe_secs);
    let timeout = period.min(Duration::from_secs(5));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_up: HashMap<i64, bool> = HashMap::new();
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let trunks = shared.resources.enabled_trunks();
        let mut probes = tokio::task::JoinSet::new();
        for (index, trunk) in trunks.iter().enumerate() {
            let target = call::trunk_target(trunk);
            let shared = Arc::clone(&shared);
            probes.spawn(async move { (index, shared.sip.probe_trunk(&target, timeout).await) });
        }
        let mut results: Vec<Option<herald_sip::Result<herald_sip::TrunkProbe>>> =
            trunks.iter().map(|_| None).collect();
        while let Some(joined) = probes.join_next().await {
            if let Ok((index, result)) = joined {
                results[index] = Some(result);
            }
        }
        for (trunk, result) in trunks.iter().zip(results) {
            let Some(result) = result else { continue };
            let up = matches!(result, Ok(herald_sip::TrunkProbe::Answered { .. }));
            if let Some(coord) = &shared.coord {
                let detail = match &result {
                    Ok(herald_sip::TrunkProbe::Answered { code, round_trip }) => {
                        format!("answered {code} in {:.1} ms", round_trip.as_secs_f64() * 1000.0)
                    }
                    Ok(herald_sip::TrunkProbe::Silent) => "no answer to OPTIONS".to_owned(),
                    Err(error) => error.to_string(),
                };
                let health = herald_coord::TrunkHealth {
                    up,
                    detail,
                    node: shared.node_id.clone(),
                    at: chrono::Utc::now().timestamp_millis(),
                };
                // For the preflight and the dashboard; best effort.
                let _ = coord.report_trunk_health(trunk.id, &health, period * 3).await;
            }
            shared
                .metrics
                .trunk_up
                .get_or_create(&metrics::TrunkLabels { trunk: trunk.name.clone() })
                .set(i64::from(up));
            if last_up.insert(trunk.id, up) != Some(up) {
                match &result {
                    Ok(probe) if up => info!(trunk = %trunk.name, ?probe, "trunk answers OPTIONS"),
                    Ok(_) => warn!(trunk = %trunk.name, "trunk does not answer OPTIONS"),
                    Err(error) => warn!(trunk = %trunk.name, %error, "cannot probe trunk"),
                }
            }
        }
    }
}

impl Shared {
    /// Reloads trunks, lets SIP in from exactly their addresses, and gives
    /// every trunk's gate its latest caps (and a gate to a new trunk, so
    /// that other nodes' open breakers reach it before its first call).
    pub(crate) async fn refresh_trunks(&self) -> Result<(), resources::ResourceError> {
        let (sources, trunks) = self.resources.refresh_trunks().await?;
        for trunk in &trunks {
            self.gates.trunk(trunk);
        }
        self.sip.set_allowed_sources(Some(sources));
        Ok(())
    }
}
