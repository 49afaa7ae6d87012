//! Who is asking: cookie sessions for people, bearer tokens for machines,
//! and the [`Principal`] extractor that turns either into a user and a role.
//!
//! - A session is a random 256-bit secret in the `herald_session` cookie
//!   (HttpOnly, SameSite=Strict, Path=/); only its SHA-256 is stored. Unsafe
//!   requests (POST, PUT, PATCH, DELETE) made with it must carry the
//!   session's CSRF token in `X-CSRF-Token`.
//! - An API token is `herald_` + a random 256-bit secret, sent as
//!   `Authorization: Bearer …`; only its SHA-256 is stored. Browsers never
//!   send it on their own, so it needs no CSRF token.
//! - When a request carries an `Authorization` header, only that header
//!   counts: a bad token is a 401 even with a good cookie beside it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use herald_store::{Actor, NewSession, Role, User};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};
use tracing::{info, warn};

use crate::AppState;
use crate::error::{AppError, FieldErrors, Result};
use crate::input::{JsonBody, reject_unknown_fields};
use crate::login_limiter::{LoginLimiter, LoginLimits};
use crate::passwords;

pub const SESSION_COOKIE: &str = "herald_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// What every API token starts with, so that secret scanners can spot one.
pub const API_TOKEN_PREFIX: &str = "herald_";

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// How long a session lasts after sign-in.
    pub session_lifetime: Duration,
    /// Adds `Secure` to the session cookie: set it whenever browsers reach
    /// the UI over HTTPS (directly or through a proxy).
    pub secure_cookie: bool,
    /// Take the client address for sign-in limits from the last
    /// `X-Forwarded-For` entry (set it only behind a proxy that writes it).
    pub trust_forwarded_for: bool,
    pub login_limits: LoginLimits,
    /// Password hashes computed at once; each takes 19 MiB and a core.
    pub max_concurrent_hashes: usize,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            session_lifetime: Duration::from_secs(12 * 3600),
            secure_cookie: false,
            trust_forwarded_for: false,
            login_limits: LoginLimits::default(),
            max_concurrent_hashes: 4,
        }
    }
}

/// What sign-in and the extractor share: settings, the sign-in limiter, and
/// the bound on concurrent password hashing.
#[derive(Debug)]
pub struct Auth {
    settings: AuthSettings,
    login_limiter: LoginLimiter,
    /// Bounds memory and CPU spent on argon2 under a flood of sign-ins.
    hashing: Semaphore,
    /// A hash checked when the email is unknown, so that unknown and known
    /// emails take the same time to refuse.
    decoy_hash: OnceCell<String>,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Auth {
        Auth {
            login_limiter: LoginLimiter::new(settings.login_limits.clone()),
            hashing: Semaphore::new(settings.max_concurrent_hashes.max(1)),
            decoy_hash: OnceCell::new(),
            settings,
        }
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// [`passwords::hash_password`] on the blocking pool.
    pub async fn hash_password(&self, password: String) -> Result<String> {
        let _permit = self.hashing.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(move || passwords::hash_password(&password))
            .await
            .map_err(|_| AppError::Internal)?
    }

    /// [`passwords::verify_password`] on the blocking pool.
    pub async fn verify_password(&self, password: String, stored: String) -> Result<bool> {
        let _permit = self.hashing.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(move || passwords::verify_password(&password, &stored))
            .await
            .map_err(|_| AppError::Internal)
    }

    async fn decoy_hash(&self) -> Result<String> {
        let hash = self.decoy_hash.get_or_try_init(|| self.hash_password(new_secret())).await?;
        Ok(hash.clone())
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth::new(AuthSettings::default())
    }
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Session,
    Token,
}

/// The authenticated user behind a request. Extracting it answers 401
/// without valid credentials and 403 (`csrf`) for a cookie-authenticated
/// unsafe request without the session's CSRF token. The route table's
/// layer extracts it and checks the route's role before the handler runs
/// (see `routes`); a handler that takes it gets that same principal.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub via: Via,
    /// SHA-256 of the session secret or API token this request used.
    credential_hash: Vec<u8>,
    /// The session's CSRF token (sessions only).
    csrf_token: Option<String>,
    /// The API token's name (tokens only).
    token_name: Option<String>,
}

impl Principal {
    /// `Ok` when the principal's role is `role` or above, else 403. Routes
    /// get this from the route table; handlers call it only for what
    /// depends on the input (e.g. a token for another user).
    pub fn require(&self, role: Role) -> Result<()> {
        if self.role >= role { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Who the audit log says made a change.
    pub fn actor(&self) -> Actor {
        let name = match &self.token_name {
            Some(token) => format!("{} (token {token})", self.email),
            None => self.email.clone(),
        };
        Actor { user_id: Some(self.user_id), name }
    }

    /// The session this request used, if it used one.
    pub(crate) fn session_hash(&self) -> Option<&[u8]> {
        (self.via == Via::Session).then_some(self.credential_hash.as_slice())
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Principal> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let store = state.store()?;
        let principal = if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
            let token = bearer_token(authorization).ok_or(AppError::Unauthenticated)?;
            let credential_hash = secret_hash(token);
            let live = store.live_token(&credential_hash).await?.ok_or(AppError::Unauthenticated)?;
            Principal {
                user_id: live.user.id,
                email: live.user.email,
                role: live.user.role,
                via: Via::Token,
                credential_hash,
                csrf_token: None,
                token_name: Some(live.token_name),
            }
        } else {
            let secret = session_cookie(&parts.headers).ok_or(AppError::Unauthenticated)?;
            let credential_hash = secret_hash(secret);
            let live = store.live_session(&credential_hash).await?.ok_or(AppError::Unauthenticated)?;
            if !is_safe(&parts.method) {
                let sent = parts.headers.get(CSRF_HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
                if !constant_time_eq(sent, live.csrf_token.as_bytes()) {
                    return Err(AppError::Csrf);
                }
            }
            Principal {
                user_id: live.user.id,
                email: live.user.email,
                role: live.user.role,
                via: Via::Session,
                credential_hash,
                csrf_token: Some(live.csrf_token),
                token_name: None,
            }
        };
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

/// The client's address, for sign-in limits: the peer's, or with
/// [`AuthSettings::trust_forwarded_for`] the last `X-Forwarded-For` entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddress(Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientAddress, Self::Rejection> {
        if state.auth.settings.trust_forwarded_for {
            // The proxy appends the address it saw: only the last entry is
            // not the client's own say-so.
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(ClientAddress(forwarded));
            }
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
        Ok(ClientAddress(peer))
    }
}

/// Sign-in: a user's email address and password.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    #[schemars(with = "String")]
    email: Option<String>,
    #[schemars(with = "String")]
    password: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct LoginResponse {
    user: User,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

/// `POST /api/v1/auth/login` `{email, password}`: starts a session.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: JsonBody,
) -> Result<Response> {
    let request: LoginRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let email = request.email.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
    if email.is_empty() {
        fields.add("email", "is required");
    }
    let password = request.password.unwrap_or_default();
    if password.is_empty() {
        fields.add("password", "is required");
    }
    fields.check()?;
    if password.chars().count() > passwords::MAX_PASSWORD_CHARS {
        return Err(AppError::InvalidCredentials);
    }

    let store = state.store()?;
    let auth = &state.auth;
    let began = Instant::now();
    if let Err(wait) = auth.login_limiter.begin(&email, address, began) {
        warn!(%email, address = %display_address(address), "sign-in refused: too many failures");
        return Err(AppError::RateLimited { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 });
    }

    let credentials = store.user_credentials(&email).await?;
    let (stored_hash, user) = match credentials {
        Some(credentials) => (credentials.password_hash, Some(credentials.user)),
        None => (auth.decoy_hash().await?, None),
    };
    let matches = auth.verify_password(password, stored_hash).await?;
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        _ => {
            warn!(%email, address = %display_address(address), "sign-in failed");
            return Err(AppError::InvalidCredentials);
        }
    };
    auth.login_limiter.succeeded(&email, address, began);

    let secret = new_secret();
    let csrf_token = new_secret();
    let session = NewSession {
        token_hash: &secret_hash(&secret),
        user_id: user.id,
        csrf_token: &csrf_token,
        lifetime_secs: auth.settings.session_lifetime.as_secs() as i64,
    };
    let actor = Actor { user_id: Some(user.id), name: user.email.clone() };
    let details = serde_json::json!({"address": display_address(address)});
    let expires_at = store.create_session(&session, &actor, details).await?;
    info!(user = user.id, "signed in");

    let cookie = session_cookie_header(&state.auth.settings, &secret, auth.settings.session_lifetime)?;
    let mut response = Json(LoginResponse { user, csrf_token, expires_at }).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /api/v1/auth/logout`: ends this cookie session.
pub(crate) async fn logout(principal: Principal, State(state): State<AppState>) -> Result<Response> {
    let Some(session_hash) = principal.session_hash() else {
        return Err(AppError::invalid(
            "sign-out ends a cookie session; revoke an API token with DELETE /api/v1/tokens/{id}",
        ));
    };
    state.store()?.end_session(session_hash, &principal.actor()).await?;
    let cookie = session_cookie_header(&state.auth.settings, "", Duration::ZERO)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct MeResponse {
    user: User,
    via: Via,
    /// Sessions only: what unsafe requests must send in `X-CSRF-Token`
    /// (a page reloaded after sign-in gets it back here).
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

/// `GET /api/v1/auth/me`: who is signed in.
pub(crate) async fn me(principal: Principal, State(state): State<AppState>) -> Result<Json<MeResponse>> {
    let user = state.store()?.user(principal.user_id).await?;
    Ok(Json(MeResponse { user, via: principal.via, csrf_token: principal.csrf_token }))
}

fn display_address(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |address| address.to_string())
}

/// A new random 256-bit secret, base64url without padding (43 characters).
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a secret.
pub(crate) fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn session_cookie_header(settings: &AuthSettings, value: &str, lifetime: Duration) -> Result<HeaderValue> {
    let secure = if settings.secure_cookie { "; Secure" } else { "" };
    let cookie =
        format!("{SESSION_COOKIE}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{secure}", lifetime.as_secs());
    HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

fn bearer_token(authorization: &HeaderValue) -> Option<&str> {
    let value = authorization.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Compares without stopping at the first difference.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bit_and_distinct() {
        let secret = new_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        assert_ne!(secret, new_secret());
        assert_eq!(secret_hash(&secret).len(), 32);
    }

    #[test]
    fn cookies_and_bearer_tokens_are_found() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("theme=dark; herald_session=abc; x=1"));
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(header::COOKIE, HeaderValue::from_static("herald_session="));
        assert_eq!(session_cookie(&headers), None);
        assert_eq!(bearer_token(&HeaderValue::from_static("Bearer herald_x")), Some("herald_x"));
        assert_eq!(bearer_token(&HeaderValue::from_static("bearer  herald_x ")), Some("herald_x"));
        assert_eq!(bearer_token(&HeaderValue::from_static("Basic dXNlcg==")), None);
        assert_eq!(bearer_token(&HeaderValue::from_static("Bearer ")), None);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
