//! Against the real Redis primary + replica + 3 Sentinels that
//! `scripts/infra.sh up` starts (addresses from HERALD__REDIS__SENTINELS).
//!
//! The failover test forces a real Sentinel failover of the shared topology;
//! other tests tolerate a Redis pause, as every Herald service must.

use std::time::{Duration, Instant};

use herald_config::RedisConfig;
use herald_coord::{Coord, NodeHeartbeat};

fn redis_config() -> RedisConfig {
    // Sentinel addresses from HERALD__REDIS__* (scripts/infra.sh env).
    let mut config = herald_config::load(None).expect("configuration from the environment").redis;
    config.timeout_ms = 1000;
    config
}

fn sentinel_client(config: &RedisConfig) -> redis::Client {
    redis::Client::open(format!("redis://{}", config.sentinels[0])).unwrap()
}

async fn master_address(config: &RedisConfig) -> (String, u16) {
    let mut connection = sentinel_client(config).get_multiplexed_async_connection().await.unwrap();
    let (host, port): (String, u16) = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg(&config.master_name)
        .query_async(&mut connection)
        .await
        .unwrap();
    (host, port)
}

fn beat(node: &str, calls: u64) -> NodeHeartbeat {
    NodeHeartbeat {
        node_id: node.to_owned(),
        services: vec!["test".into()],
        active_calls: calls,
        max_calls: 10,
        draining: false,
    }
}

#[tokio::test]
async fn heartbeats_round_trip_through_sentinel() {
    let coord = Coord::new(&redis_config()).unwrap();
    let node = format!("test-roundtrip-{}", std::process::id());
    let mut ok = false;
    // The failover test may be moving the master right now: retry a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if coord.heartbeat(&beat(&node, 3), Duration::from_secs(30)).await.is_ok()
            && let Ok(nodes) = coord.live_nodes().await
            && nodes.iter().any(|n| n.node_id == node && n.active_calls == 3)
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ok, "heartbeat not visible through the Sentinel-discovered master");
}

#[tokio::test]
async fn after_a_failover_writes_go_to_the_new_master_only() {
    let config = redis_config();
    let coord = Coord::new(&config).unwrap();
    let node = format!("test-failover-{}", std::process::id());
    // Warm the pool: these connections point at the current master.
    for _ in 0..4 {
        coord.heartbeat(&beat(&node, 0), Duration::from_secs(60)).await.unwrap();
    }
    let old_master = master_address(&config).await;

    let mut sentinel = sentinel_client(&config).get_multiplexed_async_connection().await.unwrap();
    let _: String =
        redis::cmd("SENTINEL").arg("failover").arg(&config.master_name).query_async(&mut sentinel).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let new_master = loop {
        let current = master_address(&config).await;
        if current != old_master {
            break current;
        }
        assert!(Instant::now() < deadline, "sentinel did not fail over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Wait until the old master has been demoted to a replica: from now on
    // every pooled connection to it would answer READONLY.
    let old_client = redis::Client::open(format!("redis://{}:{}", old_master.0, old_master.1)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut old) = old_client.get_multiplexed_async_connection().await
            && let Ok(role) = redis::cmd("ROLE").query_async::<redis::Value>(&mut old).await
            && !is_master(&role)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the old master was not demoted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Keep writing. The pool must stop using its connections to the demoted
    // master: at most a few writes may fail while it finds out.
    let mut failures = 0;
    let mut written = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while written < 20 {
        assert!(Instant::now() < deadline, "writes did not recover after failover ({failures} failures)");
        match coord.heartbeat(&beat(&node, written + 1), Duration::from_secs(60)).await {
            Ok(()) => written += 1,
            Err(_) => failures += 1,
        }
    }
    assert!(failures <= 8, "{failures} failed writes after failover");

    // The last write is on the new master.
    let client = redis::Client::open(format!("redis://{}:{}", new_master.0, new_master.1)).unwrap();
    let mut direct = client.get_multiplexed_async_connection().await.unwrap();
    let stored: String = redis::cmd("GET").arg(format!("herald:node:{node}")).query_async(&mut direct).await.unwrap();
    let stored: NodeHeartbeat = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored.active_calls, 20);
}

fn is_master(role: &redis::Value) -> bool {
    matches!(role, redis::Value::Array(items)
        if matches!(items.first(), Some(redis::Value::BulkString(b)) if b == b"master"))
}
