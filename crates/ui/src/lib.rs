//! The UI service's HTTP surface.
//!
//! [`ops_router`] is what every Herald process serves — `/healthz`,
//! `/readyz`, `/metrics` — and [`app`] is the UI service: the ops routes plus
//! the REST API under `/api/v1` (the full API and web UI arrive with issue #5).
//! Errors become JSON with a stable code here, at the edge, and never carry
//! internal error text to the client.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use herald_coord::Coord;
use herald_store::Store;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Option<Store>,
    pub coord: Option<Coord>,
    pub registry: Arc<Registry>,
    /// Set while the process drains: readiness turns false first.
    pub draining: CancellationToken,
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

/// The UI service's router.
pub fn app(state: AppState) -> Router {
    let api = Router::new().route("/campaigns/{id}/summary", get(campaign_summary)).with_state(state.clone());
    ops_router(state).nest("/api/v1", api)
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
    axum::serve(listener, router).with_graceful_shutdown(async move { shutdown.cancelled().await }).await
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    if let Some(store) = &state.store
        && let Err(error) = store.ping().await
    {
        warn!(%error, "not ready: postgres");
        return (StatusCode::SERVICE_UNAVAILABLE, "postgres unavailable\n").into_response();
    }
    // Redis is not required for readiness: every service keeps working
    // (on local shares of its caps) while it is away.
    "ready\n".into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &state.registry).is_err() {
        return ApiError::Internal.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}

async fn campaign_summary(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let store = state.store.as_ref().ok_or(ApiError::Internal)?;
    match store.campaign_summary(id).await {
        Ok(summary) => Ok(Json(summary).into_response()),
        Err(herald_store::Error::NotFound { .. }) => Err(ApiError::NotFound("campaign")),
        Err(error) => {
            warn!(%error, "campaign summary failed");
            Err(ApiError::Internal)
        }
    }
}

/// The one place errors become HTTP responses.
#[derive(Debug)]
pub enum ApiError {
    NotFound(&'static str),
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_owned()),
        };
        (status, Json(serde_json::json!({"error": {"code": code, "message": message}}))).into_response()
    }
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
}
