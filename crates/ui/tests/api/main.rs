//! The REST API against a real PostgreSQL (a fresh database per test),
//! through `app(state).oneshot(request)`: one module per resource or
//! concern (credentials and sign-in, roles, bad input, audit, campaigns,
//! lists, caller IDs, trunk groups, webhooks, scripts, the OpenAPI
//! document); the client and the seeded users they share are here.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use herald_store::{Actor, CreateUser, NewUser, Role, Store, User};
use herald_ui::{AppState, Auth, AuthSettings, LoginLimits};
use prometheus_client::registry::Registry;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

mod audit;
mod auth;
mod bad_input;
mod caller_ids;
mod campaigns;
mod lists;
mod openapi;
mod roles;
mod scripts;
mod trunk_groups;
mod webhooks;

/// Every seeded user's password.
const PASSWORD: &str = "correct horse battery staple";

/// One argon2id hash of [`PASSWORD`], computed once per test binary.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| herald_ui::passwords::hash_password(PASSWORD).unwrap()).clone()
}

/// The service under test and a way into its database.
struct Api {
    router: Router,
    store: Store,
    pool: PgPool,
}

/// How a request authenticates.
#[derive(Clone, Debug)]
enum Credentials {
    None,
    Bearer(String),
    /// A session cookie, and the CSRF token to send (if any).
    Cookie {
        secret: String,
        csrf: Option<String>,
    },
}

impl Credentials {
    fn without_csrf(&self) -> Credentials {
        match self {
            Credentials::Cookie { secret, .. } => Credentials::Cookie { secret: secret.clone(), csrf: None },
            other => other.clone(),
        }
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    #[track_caller]
    fn expect(&self, status: StatusCode, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "body: {}", self.body);
    }
}

impl Api {
    fn new(pool: PgPool) -> Api {
        Api::with_settings(pool, AuthSettings::default())
    }

    fn with_settings(pool: PgPool, settings: AuthSettings) -> Api {
        let store = Store::from_pool(pool.clone());
        let state = AppState {
            store: Some(store.clone()),
            coord: None,
            registry: Arc::new(Registry::default()),
            draining: CancellationToken::new(),
            auth: Arc::new(Auth::new(settings)),
            live: None,
            static_dir: None,
            webhook_private_targets: false,
            speech: Some(Arc::new(herald_speech::Speech::from_config(&herald_config::SpeechConfig::default()))),
        };
        Api { router: herald_ui::app(state), store, pool }
    }

    async fn user(&self, email: &str, role: Role) -> User {
        let new = NewUser { email: email.into(), display_name: String::new(), role, password_hash: password_hash() };
        match self.store.create_user(&new, &Actor::system("test")).await.unwrap() {
            CreateUser::Created(user) => user,
            CreateUser::EmailTaken => panic!("{email} exists"),
        }
    }

    async fn request(
        &self,
        method: Method,
        uri: &str,
        credentials: &Credentials,
        body: Option<Value>,
        from: SocketAddr,
    ) -> Reply {
        let body = body.map(|body| ("application/json", body.to_string().into_bytes()));
        self.send(method, uri, credentials, body, from).await
    }

    /// A request with a body of any type (`None`: no body).
    async fn send(
        &self,
        method: Method,
        uri: &str,
        credentials: &Credentials,
        body: Option<(&str, Vec<u8>)>,
        from: SocketAddr,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        match credentials {
            Credentials::None => {}
            Credentials::Bearer(token) => request = request.header(header::AUTHORIZATION, format!("Bearer {token}")),
            Credentials::Cookie { secret, csrf } => {
                request = request.header(header::COOKIE, format!("theme=dark; herald_session={secret}"));
                if let Some(csrf) = csrf {
                    request = request.header("X-CSRF-Token", csrf);
                }
            }
        }
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(from));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await.unwrap();
        // JSON from the API; text from the ops routes.
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply { status, headers, body }
    }

    async fn call(&self, method: Method, uri: &str, credentials: &Credentials, body: Option<Value>) -> Reply {
        self.request(method, uri, credentials, body, client(1)).await
    }

    /// A request whose body is `bytes` of `content_type`.
    async fn upload(
        &self,
        method: Method,
        uri: &str,
        credentials: &Credentials,
        content_type: &str,
        bytes: &[u8],
    ) -> Reply {
        self.send(method, uri, credentials, Some((content_type, bytes.to_vec())), client(1)).await
    }

    async fn login_from(&self, email: &str, password: &str, from: SocketAddr) -> Reply {
        let body = json!({"email": email, "password": password});
        self.request(Method::POST, "/api/v1/auth/login", &Credentials::None, Some(body), from).await
    }

    /// Signs in and returns the session's credentials (cookie and CSRF token).
    async fn session(&self, email: &str) -> Credentials {
        let reply = self.login_from(email, PASSWORD, client(1)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
        let secret = cookie.split(';').next().unwrap().strip_prefix("herald_session=").unwrap().to_owned();
        Credentials::Cookie { secret, csrf: Some(reply.body["csrf_token"].as_str().unwrap().to_owned()) }
    }

    /// A bearer token for `user`, made through the store.
    async fn token(&self, user: &User) -> Credentials {
        let secret = format!("herald_test_{}_{}", user.id, rand_suffix());
        let hash = Sha256::digest(secret.as_bytes()).to_vec();
        self.store.create_api_token(user.id, "test", &hash, &Actor::system("test")).await.unwrap();
        Credentials::Bearer(secret)
    }

    async fn audit_actions(&self) -> Vec<(String, String, String)> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT actor, action, entity FROM audit_log ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .unwrap();
        rows
    }

    /// Asserts that each `(action, entity)` is in the audit log.
    async fn assert_audited(&self, expected: &[(&str, &str)]) {
        let audited: Vec<(String, String)> =
            self.audit_actions().await.into_iter().map(|(_, action, entity)| (action, entity)).collect();
        for (action, entity) in expected {
            assert!(audited.contains(&(action.to_string(), entity.to_string())), "{action} {entity} in {audited:?}");
        }
    }
}

fn client(last_octet: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, last_octet], 40000))
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A documented path under `/api/v1` with `id` as its resource and the
/// other path parameters filled in.
fn uri_of(path: &str, id: &str) -> String {
    let path = path
        .replace("{id}", id)
        .replace("{action}", "start")
        .replace("{pattern}", "%2B4930")
        .replace("{number}", "%2B12025550100")
        .replace("{trunk_id}", "1")
        .replace("{delivery_id}", "1");
    format!("/api/v1{path}")
}

/// Every API route that needs credentials (from the route table the
/// router is built from), with its path parameters filled in.
fn endpoints() -> Vec<(Method, String, Option<Value>)> {
    herald_ui::api_routes()
        .into_iter()
        .filter(|(_, _, role)| role.is_some())
        .map(|(method, path, _)| {
            let uri = uri_of(path, "1");
            let body = matches!(method, "post" | "patch" | "put").then(|| json!({"name": "x"}));
            (Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), uri, body)
        })
        .collect()
}

/// A WAV file Herald ships: a real prompt.
fn welcome_wav() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sounds/welcome.wav")).unwrap()
}

/// A contact to call now, without tags.
fn new_contact(phone: &str) -> herald_store::NewContact {
    herald_store::NewContact {
        phone: herald_types::E164::parse(phone).unwrap(),
        tags: json!({}),
        timezone: None,
        import_line: None,
        next_eligible_at: None,
    }
}

/// Creates a resource; returns its id.
async fn created(api: &Api, credentials: &Credentials, path: &str, body: Value) -> i64 {
    let reply = api.call(Method::POST, path, credentials, Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.body);
    reply.body["id"].as_i64().unwrap()
}
