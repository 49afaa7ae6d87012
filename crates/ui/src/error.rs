//! The one place errors become HTTP responses.
//!
//! Every error body has the same shape, `{"error": {"code", "message"}}`,
//! with `fields` added for validation errors. Codes are stable: clients
//! branch on them. Internal errors are logged here and reach the client only
//! as `internal`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::warn;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credentials, or credentials that name no live session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Sign-in with a wrong email or password (never says which).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// The principal's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A cookie-authenticated unsafe request without the session's CSRF token.
    #[error("missing or wrong X-CSRF-Token header")]
    Csrf,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with what is stored (a taken email, the last admin).
    #[error("{0}")]
    Conflict(&'static str),
    /// A conflict whose message names what is stored (e.g. a status).
    #[error("{0}")]
    ConflictOwned(String),
    /// Bad input: a message, and what is wrong with each field.
    #[error("{message}")]
    Validation { message: String, fields: BTreeMap<String, String> },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("request body too large")]
    PayloadTooLarge,
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many failed sign-in attempts")]
    RateLimited { retry_after_secs: u64 },
    /// A part Herald depends on is off or failing (e.g. text-to-speech).
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("{0}")]
    UnavailableOwned(String),
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// A validation error about the request as a whole.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Validation { message: message.into(), fields: BTreeMap::new() }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) | AppError::ConflictOwned(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Validation { .. } => (StatusCode::BAD_REQUEST, "validation"),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AppError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Unavailable(_) | AppError::UnavailableOwned(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Store errors that are not about the request are logged and hidden.
impl From<herald_store::Error> for AppError {
    fn from(error: herald_store::Error) -> AppError {
        match error {
            herald_store::Error::NotFound { entity, .. } => AppError::NotFound(entity),
            // Postgres is out of reach: something really is down (503, not 500).
            error if error.is_unreachable() => {
                warn!(%error, "store unreachable");
                AppError::Unavailable("the database is unreachable; try again shortly")
            }
            error => {
                warn!(%error, "store request failed");
                AppError::Internal
            }
        }
    }
}

impl From<herald_imports::Error> for AppError {
    fn from(error: herald_imports::Error) -> AppError {
        match error {
            herald_imports::Error::Store(error) => error.into(),
            herald_imports::Error::ParserStopped => {
                warn!(%error, "import failed");
                AppError::Internal
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a BTreeMap<String, String>>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let fields = match &self {
            AppError::Validation { fields, .. } => Some(fields),
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code, message: self.to_string(), fields } };
        let mut response = (status, Json(body)).into_response();
        match self {
            AppError::Unauthenticated => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::RateLimited { retry_after_secs } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

/// A change the store made, or the conflict with what is stored that
/// refused it (409, with the store's message).
pub(crate) fn changed<T>(change: herald_store::Change<T>) -> Result<T> {
    match change {
        herald_store::Change::Done(value) => Ok(value),
        herald_store::Change::Conflict(message) => Err(AppError::Conflict(message)),
    }
}

/// Field-level validation messages, gathered before failing once.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// `Ok` when nothing was added, else a validation error naming the fields.
    pub(crate) fn check(self) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(self.into_error())
    }

    pub(crate) fn into_error(self) -> AppError {
        let names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        AppError::Validation { message: format!("invalid fields: {}", names.join(", ")), fields: self.0 }
    }
}
