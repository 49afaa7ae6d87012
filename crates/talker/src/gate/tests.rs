//! The gates against the real Redis behind Sentinel (`scripts/infra.sh env`).

use std::sync::Arc;
use std::time::Duration;

use herald_coord::{CapScope, Coord};
use herald_store::{DialPlan, Trunk};
use tokio_util::sync::CancellationToken;

use super::{Aborted, Gates};

fn redis() -> Coord {
    let mut config = herald_config::load(None).expect("configuration from the environment").redis;
    config.timeout_ms = 2000;
    Coord::new(&config).expect("redis config")
}

/// A trunk of its own per test and process (ids repeat across runs).
fn trunk(base: i64, max_lines: i32) -> Arc<Trunk> {
    slow_trunk(base, max_lines, 1000.0)
}

fn slow_trunk(base: i64, max_lines: i32, cps_limit: f64) -> Arc<Trunk> {
    let id = base + i64::from(std::process::id());
    Arc::new(Trunk {
        id,
        name: format!("trunk {id}"),
        host: "127.0.0.1".to_owned(),
        port: 5060,
        transport: "udp".to_owned(),
        auth_username: None,
        auth_password: None,
        auth_password_env: None,
        from_domain: None,
        cps_limit,
        max_lines,
        enabled: true,
    })
}

fn capped_campaign(id: i64, cps_cap: Option<f64>, concurrency_cap: Option<i32>) -> DialPlan {
    DialPlan {
        id: id + i64::from(std::process::id()),
        prompt_id: None,
        script_id: None,
        trunk_id: None,
        trunk_group_id: None,
        caller_id: None,
        caller_id_pool_id: None,
        max_attempts: 1,
        ring_timeout_secs: 30,
        retry_rules: serde_json::json!({}),
        calling_window: serde_json::json!({}),
        whitelist_only: false,
        cps_cap,
        concurrency_cap,
    }
}

/// Node `node_id`'s gates against the real Redis, its calls `attempt_ids`
/// each admitted to a five-line trunk of its own (`trunk_base`).
async fn admitted(
    node_id: &str,
    trunk_base: i64,
    attempt_ids: &[i64],
) -> (Coord, Gates, CapScope, Vec<super::Admission>) {
    let coord = redis();
    let gates = Gates::new(Some(coord.clone()), Duration::from_secs(600), node_id, 100);
    let gate = gates.trunk(&trunk(trunk_base, 5));
    let never = CancellationToken::new();
    let mut admissions = Vec::new();
    for &attempt_id in attempt_ids {
        admissions.push(gates.admit(None, &gate, attempt_id, &never).await.expect("a free line"));
    }
    (coord, gates, gate.lines.scope, admissions)
}

/// A call that ends between the renewal's reading of the node's leases
/// and Redis's answer must not get its line back: nobody would release
/// it, and the trunk would run a line short until the lease's TTL.
#[tokio::test]
async fn a_line_released_while_renewing_is_not_taken_again() {
    let (coord, gates, scope, mut admissions) = admitted("race-node", 2_000_000_000, &[1, 2, 3]).await;
    let gate = gates.trunk(&trunk(2_000_000_000, 5));
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 3);
    // The renewal read the three; then call 2 ended (and its release reached Redis).
    drop(admissions.remove(1));
    coord.release_line(scope, "race-node:2").await.unwrap();
    gate.lines.renew_held(&gates.context.redis, &[1, 2, 3]).await;
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 2, "call 2's line stays free");
    // A lease Redis really lost (a failover) is taken again.
    coord.release_line(scope, "race-node:3").await.unwrap();
    gate.lines.renew_held(&gates.context.redis, &[1, 3]).await;
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 2, "call 3's line is counted again");
    drop(admissions);
    gates.close().await;
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 0, "closing gives every line back");
}

/// A release that never reached Redis (it was away, or a failover lost
/// it) leaves a lease no call holds: the next renewal that reaches Redis
/// drops it, and only this node's, so the line is free again instead of
/// idle until the lease's TTL.
#[tokio::test]
async fn a_release_redis_never_saw_is_dropped_at_the_next_renewal() {
    let (coord, gates, scope, mut admissions) = admitted("node-a", 2_100_000_000, &[1, 2]).await;
    // Another node's call on the same trunk (its id has this one's as a prefix).
    assert!(coord.acquire_line(scope, "node-a-2:9", 5, Duration::from_secs(600)).await.unwrap());
    // Call 2 ends while Redis is away: its release never arrives.
    assert!(admissions[1].held[0].forget(2));
    admissions[1].held.clear();
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 3);
    gates.renew_lines().await;
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 2, "call 2's lease dropped, the others kept");
    drop(admissions);
    gates.close().await;
    coord.release_line(scope, "node-a-2:9").await.unwrap();
    assert_eq!(coord.lines_in_use(scope).await.unwrap(), 0);
}

/// A campaign capped at two concurrent calls admits two on a trunk with
/// five lines; the third waits until one of the two is over, and a call
/// cancelled while waiting gives back whatever it held.
#[tokio::test]
async fn a_campaigns_concurrent_calls_cap_holds_below_its_trunks() {
    let coord = redis();
    let gates = Gates::new(Some(coord.clone()), Duration::from_secs(600), "campaign-node", 100);
    let gate = gates.trunk(&trunk(2_200_000_000, 5));
    let campaign =
        gates.campaign(&capped_campaign(2_200_000_000, None, Some(2))).expect("a capped campaign has a gate");
    let never = CancellationToken::new();
    let first = gates.admit(Some(&campaign), &gate, 1, &never).await.unwrap();
    let _second = gates.admit(Some(&campaign), &gate, 2, &never).await.unwrap();
    let campaign_scope = campaign.lines.scope;
    assert_eq!(coord.lines_in_use(campaign_scope).await.unwrap(), 2);
    assert_eq!(campaign.dial_ahead_room(), 0, "no room to claim more for the campaign");

    // A third call waits for the campaign's line, not the trunk's.
    let cancel = CancellationToken::new();
    let waiting = gates.admit(Some(&campaign), &gate, 3, &cancel);
    let timed_out = tokio::time::timeout(Duration::from_millis(300), waiting).await;
    assert!(timed_out.is_err(), "the campaign's two calls are up");
    assert_eq!(coord.lines_in_use(gate.lines.scope).await.unwrap(), 2, "the waiting call holds no trunk line");

    // One ends: the third is admitted.
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(2), gates.admit(Some(&campaign), &gate, 3, &never))
        .await
        .expect("admitted once a line is free")
        .unwrap();
    drop(third);

    // Cancelled while waiting: nothing is left held.
    let _fourth = gates.admit(Some(&campaign), &gate, 4, &never).await.unwrap();
    cancel.cancel();
    assert_eq!(gates.admit(Some(&campaign), &gate, 5, &cancel).await.err(), Some(Aborted::WaitingForLine));
    drop(_second);
    drop(_fourth);
    gates.close().await;
    assert_eq!(coord.lines_in_use(campaign_scope).await.unwrap(), 0);
    assert_eq!(coord.lines_in_use(gate.lines.scope).await.unwrap(), 0);
}

/// A campaign capped at 5 CPS on a 1,000-CPS trunk sends its INVITEs
/// 204 ms apart (the cap's spacing), and the decision log would name the
/// campaign's cap as what held them back.
#[tokio::test]
async fn a_campaigns_cps_cap_spaces_its_invites_below_its_trunks() {
    let coord = redis();
    let gates = Arc::new(Gates::new(Some(coord.clone()), Duration::from_secs(600), "cps-node", 100));
    let gate = gates.trunk(&trunk(2_300_000_000, 100));
    let campaign = gates.campaign(&capped_campaign(2_300_000_000, Some(5.0), None)).unwrap();
    let sent = admit_all(&gates, &gate, &campaign, 8).await;
    for pair in sent.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= Duration::from_millis(204 - 15), "INVITEs {gap:?} apart at a 5 CPS cap");
    }
    assert!(sent.last().unwrap().0 - sent[0].0 >= Duration::from_millis(7 * 204 - 15));
    let reasons: Vec<&str> = sent.iter().filter_map(|(_, cap)| cap.map(super::Cap::reason)).collect();
    assert!(reasons.contains(&"campaign_cps_cap"), "the later calls waited on the campaign: {reasons:?}");
    assert!(!reasons.contains(&"trunk_cps_cap"), "{reasons:?}");
}

/// Sends `calls` INVITEs of the campaign through the gate at once; when each
/// was admitted and what the decision log would say, in admission order.
async fn admit_all(
    gates: &Arc<Gates>,
    trunk: &Arc<super::TrunkGate>,
    campaign: &Arc<super::CampaignGate>,
    calls: i64,
) -> Vec<(tokio::time::Instant, Option<super::Cap>)> {
    let mut admitting = tokio::task::JoinSet::new();
    for attempt_id in 1..=calls {
        let (gates, trunk, campaign) = (Arc::clone(gates), Arc::clone(trunk), Arc::clone(campaign));
        admitting.spawn(async move {
            let admission = gates.admit(Some(&campaign), &trunk, attempt_id, &CancellationToken::new()).await.unwrap();
            (tokio::time::Instant::now(), admission.waited)
        });
    }
    let mut sent = admitting.join_all().await;
    sent.sort_by_key(|(at, _)| *at);
    sent
}

/// A campaign capped at 5 CPS on a trunk that allows 2: the trunk binds.
/// Its INVITEs keep the trunk's spacing (510 ms), the gate learns to book
/// the trunk's slot first, and the decision log names the trunk's cap.
#[tokio::test]
async fn when_the_trunk_is_slower_than_the_campaigns_cap_the_trunk_binds() {
    let coord = redis();
    let gates = Arc::new(Gates::new(Some(coord), Duration::from_secs(600), "slow-trunk-node", 100));
    let trunk = gates.trunk(&slow_trunk(2_400_000_000, 100, 2.0));
    let campaign = gates.campaign(&capped_campaign(2_400_000_000, Some(5.0), None)).unwrap();
    let sent = admit_all(&gates, &trunk, &campaign, 5).await;
    for pair in sent.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= Duration::from_millis(510 - 15), "INVITEs {gap:?} apart on a 2 CPS trunk");
    }
    assert!(campaign.trunk_binds.load(std::sync::atomic::Ordering::Relaxed), "the trunk's slot is booked first now");
    let reasons: Vec<&str> = sent.iter().filter_map(|(_, cap)| cap.map(super::Cap::reason)).collect();
    assert!(reasons.contains(&"trunk_cps_cap"), "{reasons:?}");
}
