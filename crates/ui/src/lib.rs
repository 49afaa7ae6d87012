//! The UI service's HTTP surface.
//!
//! [`ops_router`] is what every Herald process serves — `/healthz`,
//! `/readyz`, `/metrics` — and [`app`] is the UI service: the ops routes plus
//! the REST API under `/api/v1`. Every API route but sign-in needs a
//! [`Principal`] (a cookie session or a bearer token, see [`auth`]) whose
//! [`Role`](herald_store::Role) allows it; every change is audited by the
//! store in the transaction that makes it. Errors become JSON with a stable
//! code in [`AppError`], at the edge, and never carry internal error text to
//! the client.
//!
//! It never places a call: it meets the other services only in Postgres and
//! Redis. Contact imports run in `herald-imports` and webhook deliveries in
//! `herald-webhooks`; the handlers here start the one and configure the
//! other.
//!
//! # Layout
//!
//! - [`auth`]: sessions, API tokens, CSRF, the [`Principal`] extractor, sign-in;
//! - [`passwords`]: argon2id hashing, email and password rules;
//! - `login_limiter`: the sign-in sliding window ([`LoginLimits`]);
//! - `routes`: the route table — each route's handler, the role it needs
//!   (checked by a layer in front of the handler) and its description;
//!   `openapi` turns the table into the OpenAPI document;
//! - `users`, `tokens`, `audit`, `trunks`, `campaigns`, …: the resources'
//!   handlers;
//! - `input`: request bodies and ids, parsed after the role check.

mod audit;
pub mod auth;
mod caller_ids;
mod campaigns;
mod error;
mod imports;
mod input;
mod lists;
pub mod live;
mod login_limiter;
mod openapi;
pub mod passwords;
mod patch;
mod prompts;
mod reports;
mod routes;
mod scripts;
mod tokens;
mod trunk_groups;
mod trunks;
mod users;
mod web;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use herald_coord::Coord;
use herald_store::Store;
use prometheus_client::registry::Registry;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub use auth::{Auth, AuthSettings, Principal, Via};
pub use error::{AppError, Result};
pub use login_limiter::LoginLimits;
pub use openapi::document as openapi_document;
pub use routes::routes as api_routes;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The system of record; `None` only for processes that serve nothing
    /// but the ops routes without a database (API routes then answer 500).
    pub store: Option<Store>,
    pub coord: Option<Coord>,
    pub registry: Arc<Registry>,
    /// Set while the process drains: readiness turns false first.
    pub draining: CancellationToken,
    /// Sign-in limits, password hashing and session settings.
    pub auth: Arc<Auth>,
    /// The live feed's reader (needs Redis); without it `/events` only
    /// keeps the connection alive.
    pub live: Option<Arc<live::LiveFeed>>,
    /// The built front-end, served at `/` (`ui.static_dir`).
    pub static_dir: Option<std::path::PathBuf>,
    /// Webhooks may point at loopback and private addresses
    /// (`ui.webhook_private_targets`).
    pub webhook_private_targets: bool,
    /// Text-to-speech for the script editor's previews; `None`: previews
    /// answer 503.
    pub speech: Option<Arc<herald_speech::Speech>>,
}

impl AppState {
    fn store(&self) -> Result<&Store> {
        self.store.as_ref().ok_or(AppError::Internal)
    }
}

/// A list response: `{"items": [...]}`, so that fields can join it later.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Items<T> {
    items: Vec<T>,
}

/// `/healthz` (the process runs), `/readyz` (its dependencies answer and it
/// is not draining) and `/metrics` (Prometheus text format).
pub fn ops_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The UI service's router: the ops routes and the REST API.
pub fn app(state: AppState) -> Router {
    let api = routes::api_routes(&state)
        .fallback(|| async { AppError::NotFound("resource") })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        // Answers about sessions and users must not sit in shared caches.
        .layer(axum::middleware::map_response(|mut response: Response| async move {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }))
        .with_state(state.clone());
    let web = Router::new().fallback(web::serve).with_state(state.clone());
    let document = Router::new().route("/api/openapi.json", get(|| async { axum::Json(openapi::document()) }));
    ops_router(state).nest("/api/v1", api).merge(document).merge(web)
}

/// Serves `router` on `listener` until `shutdown`, then finishes in-flight
/// requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    info!(%address, "http listening");
    // The peer address feeds the sign-in limiter.
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

/// Ready while not draining and while every dependency answers within its
/// deadline: Postgres (the system of record) and Redis (the cluster's caps,
/// heartbeats and live feed; a Talker keeps dialing on its local shares
/// without it, but a node cut off from it is not one to send work to).
async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    let mut missing = Vec::new();
    if let Some(store) = &state.store
        && let Err(error) = store.ping().await
    {
        warn!(%error, "not ready: postgres");
        missing.push("postgres unavailable");
    }
    if let Some(coord) = &state.coord
        && let Err(error) = coord.ping().await
    {
        warn!(%error, "not ready: redis");
        missing.push("redis unavailable");
    }
    if !missing.is_empty() {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", missing.join("\n"))).into_response();
    }
    "ready\n".into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &state.registry).is_err() {
        return AppError::Internal.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    fn state() -> AppState {
        AppState {
            store: None,
            coord: None,
            registry: Arc::new(Registry::default()),
            draining: CancellationToken::new(),
            auth: Arc::new(Auth::default()),
            live: None,
            static_dir: None,
            webhook_private_targets: false,
            speech: None,
        }
    }

    #[tokio::test]
    async fn health_and_readiness() {
        let state = state();
        let response = app(state.clone()).oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = app(state.clone()).oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        state.draining.cancel();
        let response = app(state).oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    /// A node cut off from Redis is not ready: the cluster's caps, its
    /// heartbeats and the live feed go through it.
    #[tokio::test]
    async fn a_node_without_redis_is_not_ready() {
        let mut state = state();
        let redis = herald_config::RedisConfig {
            sentinels: vec!["127.0.0.1:1".to_owned()],
            timeout_ms: 200,
            ..herald_config::RedisConfig::default()
        };
        state.coord = Some(Coord::new(&redis).unwrap());
        let response = app(state).oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"redis unavailable\n");
    }
}
