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

#[derive(Debug, Clone, Default)]
pub struct TalkerMetrics {
    pub calls_active: Gauge,
    pub attempts_finished: Family<OutcomeLabels, Counter>,
    pub invites_sent: Counter,
    pub stale_records: Counter,
}

impl TalkerMetrics {
    pub fn register(registry: &mut Registry) -> TalkerMetrics {
        let metrics = TalkerMetrics::default();
        let registry = registry.sub_registry_with_prefix("herald_talker");
        registry.register("calls_active", "Calls this node holds now", metrics.calls_active.clone());
        registry.register("attempts_finished", "Attempts recorded, by outcome", metrics.attempts_finished.clone());
        registry.register("invites_sent", "INVITEs sent", metrics.invites_sent.clone());
        registry.register(
            "stale_records",
            "Attempt results refused because the lease had moved on",
            metrics.stale_records.clone(),
        );
        metrics
    }
}
