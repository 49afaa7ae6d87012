//! Herald's coordination through Redis, reached only via Sentinel.
//!
//! Redis holds what is fast and ephemeral — node heartbeats, live events for
//! dashboards, and the cluster's CPS limiters and line leases (`limits`). Nothing
//! that matters lives only here: Postgres is the system of record, and every
//! caller must keep working (on local shares of its caps) while Redis is away.
//!
//! Operations share one multiplexed connection to the master (redis-rs
//! pipelines concurrent commands on it), taken from the Sentinel pool. A
//! pooled connection costs two round trips more per operation — deadpool's
//! `PING` and Herald's `ROLE` at every checkout — which at a thousand calls a
//! second was two thirds of the commands Redis ran. Blocking commands
//! (`XREAD BLOCK`) would stall everything queued behind them on a shared
//! connection, so they check out a pooled connection of their own.
//!
//! After a Sentinel failover the old master may come back as a replica; a
//! connection to it would answer `READONLY` to every write. So every
//! connection is checked with `ROLE` when it is created, before a pooled one
//! is reused, and at least every [`ROLE_RECHECK`] while shared; a connection
//! that answers `READONLY`, fails or times out is thrown away, and the next
//! operation asks the Sentinels again.

mod limits;
mod live;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use limits::{CapScope, OverloadFactor, SEND_JITTER_ALLOWANCE, SlotReservation, emission_interval, overload_rule};
pub use live::{ActiveCalls, AttemptEvent, StreamEntry, Tick, TrunkHealth, stream_id_key};

use deadpool_redis::sentinel::{Config as SentinelPoolConfig, Connection, Hook, HookError, Pool, SentinelServerType};
use deadpool_redis::{PoolConfig, Runtime, Timeouts};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};
use tracing::warn;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("redis pool: {0}")]
    Pool(String),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("bad data in redis: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("unexpected redis reply: {0}")]
    Reply(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How long a shared connection is trusted to be the master's between two
/// `ROLE` checks. Within it, a demoted master's `READONLY` answer, an IO
/// error or a timeout still drops the connection at once.
pub const ROLE_RECHECK: Duration = Duration::from_secs(1);

/// One Redis operation on a connection to the master (see [`Coord::run`]).
pub type RedisFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = redis::RedisResult<T>> + Send + 'c>>;

/// The cluster's shared fast state.
#[derive(Clone)]
pub struct Coord {
    pool: Pool,
    timeout: Duration,
    /// Every key starts with this (`redis.key_prefix`).
    prefix: String,
    /// Connections made to a master so far (see [`Coord::connections_made`]).
    connections_made: Arc<AtomicU64>,
    /// The connection operations share.
    shared: Arc<Mutex<Shared>>,
    /// Held while connecting, so that the operations that find no shared
    /// connection make one between them, not one each.
    connecting: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct Shared {
    /// None until the first operation, and after one failed.
    current: Option<SharedConnection>,
    next_generation: u64,
    /// When a shared connection replaced a failed one (not the first).
    reconnected_at: Option<Instant>,
}

struct SharedConnection {
    connection: MultiplexedConnection,
    /// When `ROLE` last said master (or a re-check began).
    checked: Instant,
    /// Which connection this is, so that a failure drops only the one that
    /// failed, not a successor another operation already made.
    generation: u64,
}

impl std::fmt::Debug for Coord {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Coord").field("timeout", &self.timeout).finish()
    }
}

/// What a node says about itself every few seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeHeartbeat {
    pub node_id: String,
    pub services: Vec<String>,
    pub active_calls: u64,
    pub max_calls: u64,
    pub draining: bool,
}

impl Coord {
    /// Builds the pool. No connection is made until the first command, so a
    /// node starts even while Redis is down.
    pub fn new(config: &herald_config::RedisConfig) -> Result<Coord> {
        let timeout = Duration::from_millis(config.timeout_ms);
        let urls = config.sentinels.iter().map(|sentinel| format!("redis://{sentinel}")).collect::<Vec<_>>();
        let mut pool_config =
            SentinelPoolConfig::from_urls(urls, config.master_name.clone(), SentinelServerType::Master);
        pool_config.pool = Some(PoolConfig {
            max_size: config.pool_size,
            timeouts: Timeouts {
                wait: Some(timeout),
                // Creating asks the Sentinels first, then the master.
                create: Some(timeout * 4),
                recycle: Some(timeout),
            },
            ..PoolConfig::default()
        });
        let connections_made = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&connections_made);
        let pool = pool_config
            .builder()
            .map_err(|error| Error::Pool(error.to_string()))?
            .runtime(Runtime::Tokio1)
            .post_create(Hook::async_fn(move |connection, _| {
                let counter = Arc::clone(&counter);
                Box::pin(async move {
                    require_master(connection).await?;
                    counter.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                })
            }))
            .pre_recycle(Hook::async_fn(|connection, _| Box::pin(async move { require_master(connection).await })))
            .build()
            .map_err(|error| Error::Pool(error.to_string()))?;
        Ok(Coord {
            pool,
            timeout,
            prefix: config.key_prefix.clone(),
            connections_made,
            shared: Arc::default(),
            connecting: Arc::default(),
        })
    }

    /// How many connections to a master the pool has made. It moves when
    /// the pool grows and when it reconnects — after a Sentinel failover,
    /// to a master that may lack the last writes of the old one (replication
    /// is asynchronous): callers holding leases re-register them then.
    pub fn connections_made(&self) -> u64 {
        self.connections_made.load(Ordering::Relaxed)
    }

    /// How long ago this node's connection to the master was last replaced
    /// after failing (a failover, an outage); `None` if it never was.
    pub fn since_reconnect(&self) -> Option<Duration> {
        self.shared.lock().expect("shared connection poisoned").reconnected_at.map(|at| at.elapsed())
    }

    async fn pooled(&self) -> Result<Connection> {
        // Boxed: the pool's future nests deeply enough that every caller's
        // future would otherwise need a raised recursion limit.
        Box::pin(self.pool.get()).await.map_err(|error| Error::Pool(error.to_string()))
    }

    /// The shared connection, re-checked with `ROLE` when its last check is
    /// older than [`ROLE_RECHECK`], or a new one from the pool.
    async fn shared(&self) -> Result<(MultiplexedConnection, u64)> {
        let recheck = {
            let mut shared = self.shared.lock().expect("shared connection poisoned");
            match shared.current.as_mut() {
                Some(current) if current.checked.elapsed() < ROLE_RECHECK => {
                    return Ok((current.connection.clone(), current.generation));
                }
                Some(current) => {
                    // This operation re-checks; the others go on meanwhile.
                    current.checked = Instant::now();
                    Some((current.connection.clone(), current.generation))
                }
                None => None,
            }
        };
        if let Some((mut connection, generation)) = recheck {
            match tokio::time::timeout(self.timeout, require_master(&mut connection)).await {
                Ok(Ok(())) => return Ok((connection, generation)),
                Ok(Err(error)) => warn!(%error, "shared redis connection failed its ROLE check: reconnecting"),
                Err(_) => warn!("shared redis connection did not answer ROLE: reconnecting"),
            }
            self.forget(generation);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(current) = &self.shared.lock().expect("shared connection poisoned").current {
            // Another operation connected while this one waited.
            return Ok((current.connection.clone(), current.generation));
        }
        let connection = Connection::take(self.pooled().await?);
        let mut shared = self.shared.lock().expect("shared connection poisoned");
        let generation = shared.next_generation;
        shared.next_generation += 1;
        if generation > 0 {
            shared.reconnected_at = Some(Instant::now());
        }
        shared.current = Some(SharedConnection { connection: connection.clone(), checked: Instant::now(), generation });
        Ok((connection, generation))
    }

    /// Drops the shared connection if it is still `generation`.
    fn forget(&self, generation: u64) {
        let mut shared = self.shared.lock().expect("shared connection poisoned");
        if shared.current.as_ref().is_some_and(|current| current.generation == generation) {
            shared.current = None;
        }
    }

    /// Runs one Redis operation, on the shared connection, with the
    /// configured timeout. A `READONLY` answer (a demoted master), an IO
    /// error or a timeout drops the connection.
    pub async fn run<T>(
        &self,
        operation: impl for<'c> FnOnce(&'c mut MultiplexedConnection) -> RedisFuture<'c, T>,
    ) -> Result<T> {
        let (mut connection, generation) = self.shared().await?;
        let (result, broken) = self.timed(&mut connection, operation).await;
        if broken {
            self.forget(generation);
        }
        result
    }

    /// [`Coord::run`] on a pooled connection of its own, for an operation
    /// that blocks (it would stall every command queued behind it on the
    /// shared connection).
    async fn run_blocking<T>(
        &self,
        operation: impl for<'c> FnOnce(&'c mut MultiplexedConnection) -> RedisFuture<'c, T>,
    ) -> Result<T> {
        let mut connection = self.pooled().await?;
        let (result, broken) = self.timed(&mut connection, operation).await;
        if broken {
            // Not returned to the pool.
            drop(Connection::take(connection));
        }
        result
    }

    /// The operation with the configured timeout, and whether the
    /// connection is no use any more: it answered `READONLY` (a demoted
    /// master), broke, or timed out.
    async fn timed<T>(
        &self,
        connection: &mut MultiplexedConnection,
        operation: impl for<'c> FnOnce(&'c mut MultiplexedConnection) -> RedisFuture<'c, T>,
    ) -> (Result<T>, bool) {
        match tokio::time::timeout(self.timeout, operation(connection)).await {
            Ok(Ok(value)) => (Ok(value), false),
            Ok(Err(error)) => {
                let broken =
                    error.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly) || error.is_io_error();
                if broken {
                    warn!(%error, "dropping the redis connection");
                }
                (Err(error.into()), broken)
            }
            Err(_) => (Err(Error::Timeout(self.timeout)), true),
        }
    }

    /// Readiness: the master answers.
    pub async fn ping(&self) -> Result<()> {
        self.run(|connection| Box::pin(async move { redis::cmd("PING").query_async::<String>(connection).await }))
            .await
            .map(|_| ())
    }

    /// Announces this node for `ttl`; a node that stops announcing drops out
    /// of [`Coord::live_nodes`] when it expires.
    pub async fn heartbeat(&self, heartbeat: &NodeHeartbeat, ttl: Duration) -> Result<()> {
        let key = self.key(&format!("node:{}", heartbeat.node_id));
        let value = serde_json::to_string(heartbeat)?;
        let seconds = ttl.as_secs().max(1);
        self.run(move |connection| Box::pin(async move { connection.set_ex::<_, _, ()>(key, value, seconds).await }))
            .await
    }

    /// `<prefix>:<name>`: every key Herald writes.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// Every node whose heartbeat has not expired.
    pub async fn live_nodes(&self) -> Result<Vec<NodeHeartbeat>> {
        let pattern = self.key("node:*");
        let values: Vec<Option<String>> = self
            .run(|connection| {
                Box::pin(async move {
                    let mut keys: Vec<String> = Vec::new();
                    let mut iterator = connection.scan_match::<_, String>(pattern).await?;
                    while let Some(Ok(key)) = iterator.next_item().await {
                        keys.push(key);
                    }
                    drop(iterator);
                    if keys.is_empty() {
                        return Ok(Vec::new());
                    }
                    connection.mget(keys).await
                })
            })
            .await?;
        let mut nodes = Vec::new();
        for value in values.into_iter().flatten() {
            nodes.push(serde_json::from_str(&value)?);
        }
        Ok(nodes)
    }
}

/// `ROLE` must say `master`; anything else (a replica, a demoted master)
/// makes the pool discard the connection.
async fn require_master(connection: &mut redis::aio::MultiplexedConnection) -> Result<(), HookError> {
    let role: redis::Value = redis::cmd("ROLE").query_async(connection).await.map_err(HookError::Backend)?;
    let is_master = match &role {
        redis::Value::Array(items) => {
            matches!(items.first(), Some(redis::Value::BulkString(bytes)) if bytes == b"master")
        }
        _ => false,
    };
    if is_master { Ok(()) } else { Err(HookError::message("redis node is not the master (ROLE)")) }
}
