//! The live feed end to end against real Redis (behind Sentinel) and
//! Postgres: ticks appended to the stream reach a browser's SSE stream,
//! and a browser that reconnects with `Last-Event-ID` gets exactly what it
//! missed, in order, then the live ones.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::StreamExt;
use herald_coord::{AttemptEvent, Coord, Tick};
use herald_store::{Actor, CreateUser, NewUser, Role, Store};
use herald_ui::{AppState, Auth, AuthSettings};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

fn coord() -> Coord {
    let mut config = herald_config::load(None).expect("configuration from the environment").redis;
    config.timeout_ms = 2000;
    // A stream of this test's own.
    config.key_prefix = format!("herald-test-live-{}-{}", std::process::id(), rand_suffix());
    Coord::new(&config).unwrap()
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn tick(number: i64, campaign_id: i64) -> Tick {
    Tick {
        node: "talker-test".into(),
        at: number,
        interval_ms: 200,
        attempts: vec![AttemptEvent {
            id: number,
            campaign_id,
            contact_id: number,
            phone: format!("+120255501{number:02}"),
            outcome: "answered".into(),
            sip_code: Some(200),
            trunk_id: Some(1),
            talk_ms: Some(4000),
            ended_at: Some(number),
            written_at: number,
        }],
        ..Tick::default()
    }
}

/// Publishes, retrying through a failover another test may be causing.
async fn publish(coord: &Coord, tick: &Tick) -> String {
    for _ in 0..100 {
        match coord.publish_tick(tick).await {
            Ok(id) => return id,
            Err(error) => {
                eprintln!("retrying: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("redis kept failing");
}

/// One SSE event: its id and its tick.
struct Received {
    id: String,
    tick: Tick,
}

/// Reads SSE frames from a response body.
struct Events {
    body: axum::body::BodyDataStream,
    buffer: String,
}

impl Events {
    async fn next(&mut self) -> Received {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in frame.lines() {
                    if let Some(value) = line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")) {
                        id = Some(value.to_owned());
                    } else if let Some(value) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
                        data.push_str(value);
                    }
                }
                // Keep-alive comments carry no id.
                if let Some(id) = id {
                    return Received { id, tick: serde_json::from_str(&data).unwrap() };
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.body.next())
                .await
                .expect("an event within 20 s")
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

async fn open(router: &axum::Router, token: &str, query: &str, last_event_id: Option<&str>) -> Events {
    let mut request =
        Request::get(format!("/api/v1/events{query}")).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    Events { body: response.into_body().into_data_stream(), buffer: String::new() }
}

/// A viewer's API token.
async fn viewer_token(store: &Store) -> &'static str {
    let hash = herald_ui::passwords::hash_password("correct horse battery staple").unwrap();
    let new = NewUser {
        email: "viewer@example.org".into(),
        display_name: String::new(),
        role: Role::Viewer,
        password_hash: hash,
    };
    let CreateUser::Created(viewer) = store.create_user(&new, &Actor::system("test")).await.unwrap() else { panic!() };
    let token = "herald_live_test_token";
    store.create_api_token(viewer.id, "test", &Sha256::digest(token.as_bytes()), &Actor::system("test")).await.unwrap();
    token
}

/// The UI service with its live feed; `draining` is the node's drain.
fn live_router(store: &Store, coord: &Coord, draining: CancellationToken) -> axum::Router {
    let live = herald_ui::live::LiveFeed::start(coord.clone(), Duration::from_millis(300), draining.clone());
    herald_ui::app(AppState {
        store: Some(store.clone()),
        coord: Some(coord.clone()),
        registry: Arc::new(Registry::default()),
        draining,
        auth: Arc::new(Auth::new(AuthSettings::default())),
        live: Some(live),
        static_dir: None,
        webhook_private_targets: false,
        speech: None,
    })
}

/// On SIGTERM the node drains: every open live stream ends, so that the
/// HTTP server's graceful shutdown (which waits for open responses) ends
/// and the process exits.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn open_live_streams_end_when_the_node_drains(pool: PgPool) {
    let store = Store::from_pool(pool);
    let token = viewer_token(&store).await;
    let draining = CancellationToken::new();
    let router = live_router(&store, &coord(), draining.clone());
    let mut events = open(&router, token, "", None).await;
    draining.cancel();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = events.body.next().await {
            chunk.unwrap();
        }
    })
    .await;
    assert!(end.is_ok(), "the stream stayed open after the drain began");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_reconnecting_browser_gets_what_it_missed_then_the_live_ticks(pool: PgPool) {
    let store = Store::from_pool(pool);
    let token = viewer_token(&store).await;
    let coord = coord();
    let shutdown = CancellationToken::new();
    let router = live_router(&store, &coord, shutdown.clone());

    let mut events = open(&router, token, "", None).await;
    // The reader starts from the stream's end: wait until it follows.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut ids = Vec::new();
    for number in 1..=3 {
        ids.push(publish(&coord, &tick(number, 7)).await);
    }
    for number in 1..=3 {
        let received = events.next().await;
        assert_eq!((received.id.as_str(), received.tick.at), (ids[number - 1].as_str(), number as i64));
    }
    drop(events);

    // Missed while away: 4 and 5; then 6 arrives live.
    for number in 4..=5 {
        publish(&coord, &tick(number, if number == 4 { 8 } else { 7 })).await;
    }
    let mut events = open(&router, token, "", Some(&ids[2])).await;
    assert_eq!(events.next().await.tick.at, 4);
    assert_eq!(events.next().await.tick.at, 5);
    publish(&coord, &tick(6, 7)).await;
    assert_eq!(events.next().await.tick.at, 6);

    // Watching one campaign: other campaigns' attempts are left out.
    let mut events = open(&router, token, "?campaign=8", Some(&ids[2])).await;
    let fourth = events.next().await;
    assert_eq!((fourth.tick.at, fourth.tick.attempts.len()), (4, 1));
    let fifth = events.next().await;
    assert_eq!((fifth.tick.at, fifth.tick.attempts.len()), (5, 0));

    // The Talkers' trunk probes reach the preflight through Redis.
    let trunk = store.create_trunk(&herald_store::NewTrunk::udp("probed", "127.0.0.1", 5999)).await.unwrap();
    let campaign = store
        .create_campaign(&herald_store::NewCampaign {
            name: "probed".into(),
            prompt_id: None,
            trunk_id: Some(trunk.id),
            caller_id: None,
            max_attempts: 1,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await
        .unwrap();
    let health = herald_coord::TrunkHealth { up: false, detail: "timeout".into(), node: "talker-7".into(), at: 0 };
    coord.report_trunk_health(trunk.id, &health, Duration::from_secs(60)).await.unwrap();
    let request = Request::get(format!("/api/v1/campaigns/{}/preflight", campaign.id))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let preflight: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(preflight["trunk"]["answers_options"], false, "{preflight}");
    assert!(preflight["trunk"]["probe"].as_str().unwrap().contains("talker-7"), "{preflight}");
    let blockers = preflight["blockers"].to_string();
    assert!(blockers.contains("does not answer OPTIONS: timeout"), "{blockers}");
    shutdown.cancel();
}
