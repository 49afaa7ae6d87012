//! Against real Redis behind Sentinel: the round trip uses the topology
//! `scripts/infra.sh up` starts (addresses from HERALD__REDIS__*); the
//! failover test starts a private primary + replica + 3 Sentinels of its own
//! (so that its failover cannot disturb tests sharing the main topology).

use std::time::{Duration, Instant};

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use herald_config::RedisConfig;
use herald_coord::{Coord, NodeHeartbeat};

/// A throwaway Redis primary, replica and three Sentinels on free ports,
/// killed when dropped.
struct PrivateTopology {
    processes: Vec<Child>,
    directory: PathBuf,
    sentinels: Vec<String>,
}

fn free_tcp_port() -> u16 {
    // Bind-and-release: good enough for a test that starts at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Keep clear of a UDP user of the same number too.
    drop(UdpSocket::bind(("127.0.0.1", port)));
    port
}

impl PrivateTopology {
    async fn start() -> PrivateTopology {
        let directory = std::env::temp_dir().join(format!("herald-sentinel-test-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let mut processes = Vec::new();
        let spawn = |arguments: Vec<String>| {
            Command::new("redis-server")
                .args(arguments)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server is installed (scripts/infra.sh up)")
        };
        let primary = free_tcp_port();
        let replica = free_tcp_port();
        let directory_text = directory.display().to_string();
        let common = |port: u16| -> Vec<String> {
            // A replica's full sync writes an RDB file into --dir.
            let port = port.to_string();
            ["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", &directory_text]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        processes.push(spawn(common(primary)));
        let mut replica_arguments = common(replica);
        replica_arguments.extend(["--replicaof".to_owned(), "127.0.0.1".to_owned(), primary.to_string()]);
        processes.push(spawn(replica_arguments));
        let mut sentinels = Vec::new();
        for _ in 0..3 {
            let port = free_tcp_port();
            let config = directory.join(format!("sentinel-{port}.conf"));
            std::fs::write(
                &config,
                format!(
                    "port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {dir}\n\
                     sentinel monitor herald 127.0.0.1 {primary} 2\n\
                     sentinel down-after-milliseconds herald 1000\n\
                     sentinel failover-timeout herald 5000\n\
                     sentinel parallel-syncs herald 1\n",
                    dir = directory.display()
                ),
            )
            .unwrap();
            processes.push(spawn(vec![config.display().to_string(), "--sentinel".to_owned()]));
            sentinels.push(format!("127.0.0.1:{port}"));
        }
        let topology = PrivateTopology { processes, directory, sentinels };
        // Healthy once every Sentinel knows the master and its replica.
        let deadline = Instant::now() + Duration::from_secs(30);
        for sentinel in &topology.sentinels {
            loop {
                assert!(Instant::now() < deadline, "private sentinel topology did not come up");
                if let Ok(client) = redis::Client::open(format!("redis://{sentinel}"))
                    && let Ok(mut connection) = client.get_multiplexed_async_connection().await
                    && let Ok(replicas) = redis::cmd("SENTINEL")
                        .arg("replicas")
                        .arg("herald")
                        .query_async::<Vec<redis::Value>>(&mut connection)
                        .await
                    && !replicas.is_empty()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        topology
    }

    fn config(&self) -> RedisConfig {
        RedisConfig {
            sentinels: self.sentinels.clone(),
            master_name: "herald".to_owned(),
            timeout_ms: 1000,
            ..RedisConfig::default()
        }
    }
}

impl Drop for PrivateTopology {
    fn drop(&mut self) {
        for process in &mut self.processes {
            let _ = process.kill();
            let _ = process.wait();
        }
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

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

/// Operations share one multiplexed connection: 200 at once, arriving before
/// any connection exists, make one between them (a pooled connection each
/// would cost a `PING` and a `ROLE` more per operation).
#[tokio::test]
async fn concurrent_operations_share_one_connection() {
    let coord = Coord::new(&redis_config()).unwrap();
    let pings: Vec<_> = (0..200)
        .map(|_| {
            let coord = coord.clone();
            tokio::spawn(async move { coord.ping().await })
        })
        .collect();
    for ping in pings {
        ping.await.unwrap().expect("the master answers");
    }
    assert_eq!(coord.connections_made(), 1, "200 concurrent operations, one connection");
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
    let topology = PrivateTopology::start().await;
    let config = topology.config();
    let coord = Coord::new(&config).unwrap();
    let node = format!("test-failover-{}", std::process::id());
    // Warm the pool: these connections point at the current master.
    for _ in 0..4 {
        coord.heartbeat(&beat(&node, 0), Duration::from_secs(60)).await.unwrap();
    }
    let old_master = master_address(&config).await;

    let mut sentinel = sentinel_client(&config).get_multiplexed_async_connection().await.unwrap();
    // Refused (NOGOODSLAVE) until the replica's link is up: ask until accepted.
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Err(error) =
        redis::cmd("SENTINEL").arg("failover").arg(&config.master_name).query_async::<String>(&mut sentinel).await
    {
        assert!(Instant::now() < deadline, "sentinel refused to fail over: {error}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
    let stored: String =
        redis::cmd("GET").arg(format!("{}:node:{node}", config.key_prefix)).query_async(&mut direct).await.unwrap();
    let stored: NodeHeartbeat = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored.active_calls, 20);
}

fn is_master(role: &redis::Value) -> bool {
    matches!(role, redis::Value::Array(items)
        if matches!(items.first(), Some(redis::Value::BulkString(b)) if b == b"master"))
}
