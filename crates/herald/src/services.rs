//! Running services: build each one, serve until SIGTERM/SIGINT, drain.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use herald_config::Config;
use herald_coord::{Coord, NodeHeartbeat};
use herald_store::Store;
use herald_talker::{Talker, TalkerMetrics};
use herald_ui::AppState;
use prometheus_client::registry::Registry;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Services {
    talker: bool,
    scheduler: bool,
    ui: bool,
    recipient: bool,
}

impl Services {
    pub(crate) fn all() -> Services {
        Services { talker: true, scheduler: true, ui: true, recipient: true }
    }

    pub(crate) fn only(name: &str) -> Services {
        Services {
            talker: name == "talker",
            scheduler: name == "scheduler",
            ui: name == "ui",
            recipient: name == "recipient",
        }
    }

    fn names(&self) -> Vec<String> {
        [(self.talker, "talker"), (self.scheduler, "scheduler"), (self.ui, "ui"), (self.recipient, "recipient")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| name.to_owned())
            .collect()
    }
}

pub(crate) fn node_id(config: &Config) -> String {
    if !config.node.id.is_empty() {
        return config.node.id.clone();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "herald".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Builds the selected services, runs them until a signal, and drains.
pub(crate) async fn run(config: Config, services: Services) -> anyhow::Result<ExitCode> {
    let node_id = node_id(&config);
    let shutdown = CancellationToken::new();
    let store = Store::connect(&config.database).await.context("connecting to PostgreSQL")?;
    if config.database.migrate_on_start {
        store.migrate().await.context("applying migrations")?;
    }
    let coord = Coord::new(&config.redis).context("configuring Redis")?;

    let mut registry = Registry::default();
    let talker_metrics = TalkerMetrics::register(&mut registry);
    let calls_active = talker_metrics.calls_active.clone();
    // One text-to-speech engine for the process: one cache of spoken audio,
    // one bound on syntheses at once, whichever service asks.
    let speech = Arc::new(herald_speech::Speech::from_config(&config.speech));

    // Build (and bind) everything before running anything.
    let talker = if services.talker {
        Some(
            Talker::build(node_id.clone(), config.talker.clone(), store.clone(), Some(coord.clone()), talker_metrics)
                .await
                .context("starting the talker")?
                .with_speech(Arc::clone(&speech)),
        )
    } else {
        None
    };
    let recipient_sip = if services.recipient {
        Some(
            herald_sip::SipAgent::start(
                herald_sip::SipConfig {
                    listen: config.recipient.sip_listen,
                    user_agent: format!("Herald/{}", env!("CARGO_PKG_VERSION")),
                },
                // Stopped explicitly after the drain, like the Talker's.
                CancellationToken::new(),
            )
            .await
            .context("starting the recipient")?,
        )
    } else {
        None
    };
    let http_address = if services.ui { config.ui.listen } else { config.node.ops_listen };
    let listener =
        tokio::net::TcpListener::bind(http_address).await.with_context(|| format!("binding HTTP on {http_address}"))?;
    info!(node = %node_id, services = ?services.names(), http = %listener.local_addr()?, "herald starting");

    let state = AppState {
        store: Some(store.clone()),
        coord: Some(coord.clone()),
        registry: Arc::new(registry),
        draining: shutdown.clone(),
        auth: Arc::new(herald_ui::Auth::new(herald_ui::AuthSettings::default())),
        live: services.ui.then(|| {
            // Under the Redis command timeout, so that a blocked read is never cut off.
            let block = Duration::from_millis(config.redis.timeout_ms / 2);
            herald_ui::live::LiveFeed::start(coord.clone(), block, shutdown.clone())
        }),
        static_dir: services.ui.then(|| std::path::PathBuf::from(&config.ui.static_dir)),
        webhook_private_targets: config.ui.webhook_private_targets,
        speech: Some(speech),
    };
    let router = if services.ui { herald_ui::app(state) } else { herald_ui::ops_router(state) };

    // Every service reports how it ended: a service that fails, or ends
    // while nobody asked it to, stops the node and makes the process exit
    // non-zero, so that a restart policy restarts it.
    let mut tasks: JoinSet<Result<(), String>> = JoinSet::new();
    let signal = shutdown.clone();
    tasks.spawn(async move {
        wait_for_signal(signal).await;
        Ok(())
    });
    let http_shutdown = shutdown.clone();
    tasks.spawn(async move {
        herald_ui::serve(listener, router, http_shutdown.clone())
            .await
            .map_err(|error| format!("http server: {error}"))?;
        ended_as_asked("http server", &http_shutdown)
    });
    let max_calls = if services.talker { config.talker.max_calls as u64 } else { 0 };
    let heartbeat_node = Heartbeat { node_id: node_id.clone(), services: services.names(), max_calls, calls_active };
    let heartbeat_shutdown = shutdown.clone();
    tasks.spawn(async move {
        heartbeat(coord.clone(), heartbeat_node, heartbeat_shutdown).await;
        Ok(())
    });
    if let Some(talker) = talker {
        let talker_shutdown = shutdown.clone();
        tasks.spawn(async move {
            talker.run(talker_shutdown.clone()).await.map_err(|error| format!("talker: {error}"))?;
            ended_as_asked("talker", &talker_shutdown)
        });
    }
    if services.ui {
        // Webhook deliveries: every UI node takes its share of the queue.
        let deliverer = herald_webhooks::Deliverer::new(store.clone(), config.ui.webhook_private_targets);
        let deliverer_shutdown = shutdown.clone();
        tasks.spawn(async move {
            deliverer.run(deliverer_shutdown.clone()).await;
            ended_as_asked("webhook deliverer", &deliverer_shutdown)
        });
    }
    if services.scheduler {
        let scheduler = herald_scheduler::Scheduler::new(node_id.clone(), config.scheduler.clone(), store.clone());
        let scheduler_shutdown = shutdown.clone();
        tasks.spawn(async move {
            scheduler.run(scheduler_shutdown.clone()).await;
            ended_as_asked("scheduler", &scheduler_shutdown)
        });
    }
    if let Some(recipient) = recipient_sip {
        let recipient_shutdown = shutdown.clone();
        tasks.spawn(async move {
            recipient_shutdown.cancelled().await;
            recipient.shutdown().await;
            Ok(())
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let failure = match joined {
            Ok(Ok(())) => None,
            Ok(Err(failure)) => Some(failure),
            // A service task that panicked.
            Err(error) => Some(format!("a service task panicked: {error}")),
        };
        if let Some(failure) = failure {
            tracing::error!(%failure, "service failed: stopping the node");
            failures.push(failure);
        }
        // Any service ending ends the node: the others drain.
        shutdown.cancel();
    }
    if !failures.is_empty() {
        tracing::error!(failures = ?failures, "herald stopped after a failure");
        return Ok(ExitCode::FAILURE);
    }
    info!("herald stopped");
    Ok(ExitCode::SUCCESS)
}

/// A service that returns while the node is not shutting down has failed.
fn ended_as_asked(service: &str, shutdown: &CancellationToken) -> Result<(), String> {
    if shutdown.is_cancelled() { Ok(()) } else { Err(format!("{service} ended on its own")) }
}

/// SIGTERM or SIGINT starts the drain.
async fn wait_for_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        warn!("cannot listen for SIGTERM");
        return shutdown.cancelled().await;
    };
    tokio::select! {
        _ = terminate.recv() => info!("SIGTERM: draining"),
        _ = tokio::signal::ctrl_c() => info!("SIGINT: draining"),
        () = shutdown.cancelled() => return,
    }
    shutdown.cancel();
}

/// What a node's heartbeat says about it.
struct Heartbeat {
    node_id: String,
    services: Vec<String>,
    max_calls: u64,
    /// The Talker's calls in progress (0 on a node without one).
    calls_active: prometheus_client::metrics::gauge::Gauge,
}

/// Announces this node in Redis every 2 s (TTL 6 s). Redis being away is
/// logged once and otherwise ignored: nothing here depends on it.
async fn heartbeat(coord: Coord, node: Heartbeat, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(Duration::from_secs(2));
    let mut healthy = true;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = shutdown.cancelled() => return,
        }
        let beat = NodeHeartbeat {
            node_id: node.node_id.clone(),
            services: node.services.clone(),
            active_calls: u64::try_from(node.calls_active.get()).unwrap_or(0),
            max_calls: node.max_calls,
            draining: shutdown.is_cancelled(),
        };
        match coord.heartbeat(&beat, Duration::from_secs(6)).await {
            Ok(()) if !healthy => {
                info!("redis reachable again");
                healthy = true;
            }
            Ok(()) => {}
            Err(error) if healthy => {
                warn!(%error, "redis unreachable: heartbeats paused");
                healthy = false;
            }
            Err(error) => debug!(%error, "redis still unreachable"),
        }
    }
}
