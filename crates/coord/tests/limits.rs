//! Cluster-wide CPS and line caps against the real Redis behind Sentinel.

use std::time::{Duration, Instant};

use herald_config::RedisConfig;
use herald_coord::{CapScope, Coord, SlotReservation};

fn redis_config() -> RedisConfig {
    // Sentinel addresses from HERALD__REDIS__* (scripts/infra.sh env).
    let mut config = herald_config::load(None).expect("configuration from the environment").redis;
    config.timeout_ms = 2000;
    config
}

fn unique_trunk() -> i64 {
    1_000_000_000 + i64::from(rand_u32())
}

fn rand_u32() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    nanos ^ std::process::id().rotate_left(16)
}

/// Retries an operation through a failover of the shared topology.
async fn retry<T, F, Fut>(mut operation: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = herald_coord::Result<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match operation().await {
            Ok(value) => return value,
            Err(error) if Instant::now() < deadline => {
                eprintln!("retrying: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("redis kept failing: {error}"),
        }
    }
}

#[tokio::test]
async fn three_nodes_share_one_cps_budget() {
    let trunk = unique_trunk();
    let nodes: Vec<Coord> = (0..3).map(|_| Coord::new(&redis_config()).unwrap()).collect();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (index, node) in nodes.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            // Batches of one, two and three slots: 10 per node.
            let mut slots = Vec::new();
            for count in [1, 2, 3, 1, 2, 1] {
                let (reservation, _) =
                    retry(|| node.reserve_invite_slots(CapScope::Trunk(trunk), 20.0, Duration::from_secs(10), count))
                        .await;
                match reservation {
                    SlotReservation::Reserved { waits } => {
                        assert_eq!(waits.len(), count, "node {index}: a 10 s horizon fits the batch");
                        let now = Instant::now();
                        slots.extend(waits.into_iter().map(|wait| now + wait));
                    }
                    SlotReservation::Full { .. } => panic!("node {index}: a 10 s horizon is never full here"),
                }
            }
            slots
        }));
    }
    let mut slots: Vec<Duration> = Vec::new();
    for task in tasks {
        slots.extend(task.await.unwrap().into_iter().map(|slot| slot - start));
    }
    slots.sort();
    assert_eq!(slots.len(), 30);
    // 20 CPS: slots 50 ms apart across all three nodes (a few ms of
    // measurement slack for the round trip).
    for pair in slots.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(40), "slots only {gap:?} apart: {slots:?}");
    }
    // No one-second window holds more than 20 (+1 for the slack above).
    for (index, first) in slots.iter().enumerate() {
        let in_window = slots[index..].iter().take_while(|slot| **slot < *first + Duration::from_secs(1)).count();
        assert!(in_window <= 21, "{in_window} slots within one second from {first:?}");
    }
}

#[tokio::test]
async fn a_trunk_booked_beyond_the_horizon_says_full() {
    let trunk = unique_trunk();
    let coord = Coord::new(&redis_config()).unwrap();
    let reserve = || coord.reserve_invite_slots(CapScope::Trunk(trunk), 10.0, Duration::from_millis(250), 10);
    // Slots at 0, 102 and 204 ms fit a 250 ms horizon; a batch of ten stops
    // there, and the next reservation finds the trunk full.
    let SlotReservation::Reserved { waits } = retry(reserve).await.0 else { panic!("an idle trunk has slots") };
    assert_eq!(waits.len(), 3, "{waits:?}");
    assert!(waits[2] - waits[0] >= Duration::from_millis(200), "{waits:?}");
    let SlotReservation::Full { retry_after } = retry(reserve).await.0 else { panic!("the trunk is booked") };
    assert!(retry_after <= Duration::from_millis(100), "{retry_after:?}");
}

#[tokio::test]
async fn line_leases_cap_concurrency_and_expire_with_their_node() {
    let trunk = unique_trunk();
    let coord = Coord::new(&redis_config()).unwrap();
    let ttl = Duration::from_secs(30);
    let mut taken = 0;
    for call in 0..5 {
        let id = format!("call-{call}");
        if retry(|| coord.acquire_line(CapScope::Trunk(trunk), &id, 3, ttl)).await {
            taken += 1;
        }
    }
    assert_eq!(taken, 3, "three lines, five callers");
    assert_eq!(retry(|| coord.lines_in_use(CapScope::Trunk(trunk))).await, 3);

    // Hanging up frees a line for the next caller.
    retry(|| coord.release_line(CapScope::Trunk(trunk), "call-0")).await;
    assert!(retry(|| coord.acquire_line(CapScope::Trunk(trunk), "call-3", 3, ttl)).await);
    assert!(!retry(|| coord.acquire_line(CapScope::Trunk(trunk), "call-4", 3, ttl)).await);

    // Renewal keeps held leases; unknown ones do not count.
    let renewing: Vec<String> = vec!["call-1".into(), "call-2".into(), "call-9".into()];
    let held = retry(|| coord.renew_lines(CapScope::Trunk(trunk), &renewing, ttl)).await;
    assert_eq!(held, 2);

    // A node that dies stops renewing: its short leases expire and free the lines.
    let other = unique_trunk() + 1;
    for call in 0..2 {
        let id = format!("dead-{call}");
        assert!(retry(|| coord.acquire_line(CapScope::Trunk(other), &id, 2, Duration::from_millis(300))).await);
    }
    assert!(!retry(|| coord.acquire_line(CapScope::Trunk(other), "live", 2, ttl)).await);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(retry(|| coord.acquire_line(CapScope::Trunk(other), "live", 2, ttl)).await);
}

#[tokio::test]
async fn a_caller_ids_daily_cap_is_counted_across_nodes_from_the_database_floor() {
    let number = format!("+4930{}", rand_u32());
    let nodes: Vec<Coord> = (0..2).map(|_| Coord::new(&redis_config()).unwrap()).collect();
    let day = "2026-11-22";
    let mut taken = 0;
    // Cap 5, the database knows of 1 call: 4 more, from either node.
    for round in 0..6 {
        let node = &nodes[round % 2];
        if retry(|| node.take_caller_id(&number, day, 1, 5)).await {
            taken += 1;
        }
    }
    assert_eq!(taken, 4);
    // A floor above the count (the count was lost, say in a failover) wins.
    let other = format!("{number}9");
    assert!(!retry(|| nodes[0].take_caller_id(&other, day, 5, 5)).await);
    assert!(retry(|| nodes[1].take_caller_id(&other, "2026-11-23", 0, 5)).await, "a new day starts afresh");
}

#[tokio::test]
async fn overload_answers_from_any_node_back_the_whole_cluster_off() {
    let trunk = unique_trunk();
    let nodes: Vec<Coord> = (0..2).map(|_| Coord::new(&redis_config()).unwrap()).collect();
    // Two 503s on one node and one on the other make a burst of three.
    assert!(!retry(|| nodes[0].report_overload(trunk)).await.0);
    assert!(!retry(|| nodes[0].report_overload(trunk)).await.0);
    let (halved, factor) = retry(|| nodes[1].report_overload(trunk)).await;
    assert!(halved);
    assert_eq!(factor.0, 0.5);
    // More within the hold time do not halve again.
    for _ in 0..3 {
        assert!(!retry(|| nodes[0].report_overload(trunk)).await.0);
    }
    // Both nodes now book at half the cap: 10 CPS → 200 ms apart (+ the
    // jitter allowance), whichever node asks.
    let mut waits = Vec::new();
    for round in 0..4 {
        let (reservation, factor) =
            retry(|| nodes[round % 2].reserve_invite_slots(CapScope::Trunk(trunk), 10.0, Duration::from_secs(10), 1))
                .await;
        assert_eq!(factor.0, 0.5);
        let SlotReservation::Reserved { waits: slot } = reservation else {
            panic!("a 10 s horizon is never full here")
        };
        waits.extend(slot);
    }
    for pair in waits.windows(2) {
        let gap = pair[1].saturating_sub(pair[0]);
        assert!(
            gap >= Duration::from_millis(190) && gap <= Duration::from_millis(215),
            "{gap:?} between slots at half of 10 CPS"
        );
    }
}

#[tokio::test]
async fn a_breaker_one_node_opens_is_open_for_all() {
    let (trunk, other) = (unique_trunk(), unique_trunk() + 1);
    let nodes: Vec<Coord> = (0..2).map(|_| Coord::new(&redis_config()).unwrap()).collect();
    let trunks = [trunk, other];
    assert!(retry(|| nodes[1].open_breakers(&trunks)).await.is_empty());
    retry(|| nodes[0].open_breaker(trunk, Duration::from_secs(30))).await;
    let open = retry(|| nodes[1].open_breakers(&trunks)).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, trunk);
    assert!(open[0].1 > Duration::from_secs(28) && open[0].1 <= Duration::from_secs(30), "{open:?}");
}

/// A campaign's caps live beside its trunk's under keys of their own: the
/// same id as a trunk and a campaign shares nothing, and a batch of
/// releases frees lines of both in one round trip.
#[tokio::test]
async fn campaign_and_trunk_scopes_are_counted_apart_and_released_together() {
    let id = unique_trunk();
    let coord = Coord::new(&redis_config()).unwrap();
    let ttl = Duration::from_secs(30);
    let (trunk, campaign) = (CapScope::Trunk(id), CapScope::Campaign(id));
    assert!(retry(|| coord.acquire_line(campaign, "n:1", 1, ttl)).await);
    assert!(!retry(|| coord.acquire_line(campaign, "n:2", 1, ttl)).await, "the campaign's one line is taken");
    assert!(retry(|| coord.acquire_line(trunk, "n:2", 1, ttl)).await, "the trunk's line is its own");
    let (reservation, _) = retry(|| coord.reserve_invite_slots(campaign, 1.0, Duration::from_millis(100), 1)).await;
    assert!(matches!(reservation, SlotReservation::Reserved { .. }));
    let (reservation, _) = retry(|| coord.reserve_invite_slots(campaign, 1.0, Duration::from_millis(100), 1)).await;
    assert!(matches!(reservation, SlotReservation::Full { .. }), "1 CPS: the campaign's next slot is a second away");
    let (reservation, factor) = retry(|| coord.reserve_invite_slots(trunk, 1.0, Duration::from_millis(100), 1)).await;
    assert!(matches!(reservation, SlotReservation::Reserved { .. }), "the trunk's slots are its own");
    assert_eq!(factor.0, 1.0);
    let both = [(campaign, "n:1".to_owned()), (trunk, "n:2".to_owned())];
    retry(|| coord.release_lines(&both)).await;
    assert_eq!(retry(|| coord.lines_in_use(campaign)).await, 0);
    assert_eq!(retry(|| coord.lines_in_use(trunk)).await, 0);
}
