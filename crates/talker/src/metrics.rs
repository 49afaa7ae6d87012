//! The Talker's Prometheus metrics.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TrunkLabels {
    pub trunk: String,
}

#[derive(Debug, Clone, Default)]
pub struct TalkerMetrics {
    /// 1 when the trunk answered its last OPTIONS probe, 0 when it was silent.
    pub trunk_up: Family<TrunkLabels, Gauge>,
    pub calls_active: Gauge,
    pub attempts_finished: Family<OutcomeLabels, Counter>,
    pub invites_sent: Counter,
    /// The media loops' worst tick lateness since the last claim round.
    pub media_tick_lateness_us: Gauge,
    /// Claim rounds skipped because the media loops were behind.
    pub claims_refused_overload: Counter,
    pub stale_records: Counter,
    /// Calls the lease guard hung up (their lease went unconfirmed).
    pub lease_guard_hangups: Counter,
    /// Records and opt-outs written to the local journal (Postgres away).
    pub journaled: Counter,
}

impl TalkerMetrics {
    pub fn register(registry: &mut Registry) -> TalkerMetrics {
        let metrics = TalkerMetrics::default();
        let registry = registry.sub_registry_with_prefix("herald_talker");
        registry.register("calls_active", "Calls this node holds now", metrics.calls_active.clone());
        registry.register("attempts_finished", "Attempts recorded, by outcome", metrics.attempts_finished.clone());
        registry.register("invites_sent", "INVITEs sent", metrics.invites_sent.clone());
        registry.register(
            "media_tick_lateness_us",
            "Worst lateness of a media loop tick since the last claim round",
            metrics.media_tick_lateness_us.clone(),
        );
        registry.register(
            "claims_refused_overload",
            "Claim rounds skipped because the media loops were behind",
            metrics.claims_refused_overload.clone(),
        );
        registry.register("trunk_up", "Whether the trunk answered its last OPTIONS probe", metrics.trunk_up.clone());
        registry.register(
            "lease_guard_hangups",
            "Calls hung up because their lease went unconfirmed for two thirds of a lease",
            metrics.lease_guard_hangups.clone(),
        );
        registry.register(
            "journaled",
            "Records and opt-outs kept in the local journal because Postgres could not take them",
            metrics.journaled.clone(),
        );
        registry.register(
            "stale_records",
            "Attempt results refused because the lease had moved on",
            metrics.stale_records.clone(),
        );
        metrics
    }
}
