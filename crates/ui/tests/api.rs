//! The REST API's security against a real PostgreSQL (a fresh database per
//! test), through `app(state).oneshot(request)`: credentials, roles, CSRF,
//! validation, sign-in limits, tokens, users and the audit log.

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

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_endpoint_but_sign_in_needs_credentials(pool: PgPool) {
    let api = Api::new(pool);
    api.user("admin@example.org", Role::Admin).await;
    let forged = [
        Credentials::None,
        Credentials::Bearer("herald_not_a_token".into()),
        Credentials::Cookie { secret: "not-a-session".into(), csrf: Some("x".into()) },
    ];
    let endpoints = endpoints();
    assert!(endpoints.len() >= 35, "the route table lists every operation: {}", endpoints.len());
    for (method, uri, body) in endpoints {
        for credentials in &forged {
            let reply = api.call(method.clone(), &uri, credentials, body.clone()).await;
            reply.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
            assert!(reply.body["error"]["message"].is_string());
            assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
        }
    }
    // An Authorization header that is not a bearer token is refused even
    // beside a good cookie.
    let Credentials::Cookie { secret, .. } = api.session("admin@example.org").await else { unreachable!() };
    let request = Request::get("/api/v1/auth/me")
        .header(header::AUTHORIZATION, "Basic YWRtaW46YWRtaW4=")
        .header(header::COOKIE, format!("herald_session={secret}"))
        .body(Body::empty())
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The ops routes stay open.
    let reply = api.call(Method::GET, "/healthz", &Credentials::None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn roles_limit_what_each_user_may_do(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let manager = api.user("manager@example.org", Role::Manager).await;
    let viewer = api.user("viewer@example.org", Role::Viewer).await;
    let admin_token = api.token(&admin).await;
    let manager_session = api.session("manager@example.org").await;
    let manager_token = api.token(&manager).await;
    let viewer_session = api.session("viewer@example.org").await;
    let viewer_token = api.token(&viewer).await;

    let admin_only = [
        (Method::GET, "/api/v1/users".to_owned(), None),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            Some(json!({"email": "x@example.org", "password": PASSWORD, "role": "viewer"})),
        ),
        (Method::GET, format!("/api/v1/users/{}", viewer.id), None),
        (Method::PATCH, format!("/api/v1/users/{}", viewer.id), Some(json!({"role": "admin"}))),
        (Method::GET, "/api/v1/audit".to_owned(), None),
        (Method::POST, "/api/v1/tokens".to_owned(), Some(json!({"name": "theirs", "user_id": viewer.id}))),
        (Method::GET, format!("/api/v1/tokens?user_id={}", admin.id), None),
    ];
    for credentials in [&manager_session, &manager_token, &viewer_session, &viewer_token] {
        for (method, uri, body) in &admin_only {
            let reply = api.call(method.clone(), uri, credentials, body.clone()).await;
            reply.expect(StatusCode::FORBIDDEN, "forbidden");
        }
    }
    // Viewers read; they do not change anything, even their own tokens.
    for credentials in [&viewer_session, &viewer_token] {
        let reply = api.call(Method::POST, "/api/v1/tokens", credentials, Some(json!({"name": "mine"}))).await;
        reply.expect(StatusCode::FORBIDDEN, "forbidden");
        let reply = api.call(Method::DELETE, "/api/v1/tokens/1", credentials, None).await;
        reply.expect(StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(api.call(Method::GET, "/api/v1/auth/me", credentials, None).await.status, StatusCode::OK);
        assert_eq!(api.call(Method::GET, "/api/v1/tokens", credentials, None).await.status, StatusCode::OK);
    }
    // 403 comes before 400: a viewer learns nothing about valid input.
    let reply = api.call(Method::POST, "/api/v1/users", &viewer_token, Some(json!({"email": "nope"}))).await;
    reply.expect(StatusCode::FORBIDDEN, "forbidden");
    // Managers make their own tokens; admins make anyone's.
    let reply = api.call(Method::POST, "/api/v1/tokens", &manager_token, Some(json!({"name": "mine"}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = json!({"name": "for viewer", "user_id": viewer.id});
    let reply = api.call(Method::POST, "/api/v1/tokens", &admin_token, Some(body)).await;
    assert_eq!((reply.status, reply.body["token"]["user_id"].as_i64()), (StatusCode::CREATED, Some(viewer.id)));
    for uri in ["/api/v1/users", "/api/v1/audit"] {
        assert_eq!(api.call(Method::GET, uri, &admin_token, None).await.status, StatusCode::OK);
    }
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn bad_input_gets_field_errors(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;

    let body = json!({"email": "not-an-email", "password": "short", "role": "owner", "rol": "x"});
    let reply = api.call(Method::POST, "/api/v1/users", &admin, Some(body)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert_eq!(
        reply.body["error"]["fields"],
        json!({
            "email": "must be an email address",
            "password": "must be at least 12 characters",
            "role": "must be one of admin, manager, viewer",
            "rol": "is not a known field",
        })
    );
    let reply = api.call(Method::POST, "/api/v1/users", &admin, Some(json!({}))).await;
    assert_eq!(
        reply.body["error"]["fields"],
        json!({"email": "is required", "password": "must be at least 12 characters", "role": "is required"})
    );
    // A value of the wrong type is reported under its field.
    let body = json!({"email": 5, "password": PASSWORD, "role": "viewer"});
    let reply = api.call(Method::POST, "/api/v1/users", &admin, Some(body)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert!(reply.body["error"]["fields"]["email"].as_str().unwrap().contains("expected a string"), "{}", reply.body);

    let cases = [
        (Method::PATCH, "/api/v1/users/1", json!({}), None),
        (Method::PATCH, "/api/v1/users/1", json!({"role": "root"}), Some("role")),
        (Method::PATCH, "/api/v1/users/1", json!({"disabled": "yes"}), Some("disabled")),
        (Method::PATCH, "/api/v1/users/1", json!({"password": "short"}), Some("password")),
        (Method::PATCH, "/api/v1/users/1", json!({"display_name": "x".repeat(201)}), Some("display_name")),
        (Method::POST, "/api/v1/tokens", json!({}), Some("name")),
        (Method::POST, "/api/v1/tokens", json!({"name": "   "}), Some("name")),
        (Method::POST, "/api/v1/tokens", json!({"name": "x", "user_id": 9999}), Some("user_id")),
        (Method::POST, "/api/v1/tokens", json!({"name": "x", "user_id": "me"}), Some("user_id")),
        (Method::POST, "/api/v1/auth/login", json!({"password": PASSWORD}), Some("email")),
        (Method::POST, "/api/v1/auth/login", json!({"email": "admin@example.org"}), Some("password")),
        (Method::POST, "/api/v1/auth/login", json!([1, 2]), None),
    ];
    for (method, uri, body, field) in cases {
        let reply = api.call(method.clone(), uri, &admin, Some(body.clone())).await;
        reply.expect(StatusCode::BAD_REQUEST, "validation");
        if let Some(field) = field {
            assert!(reply.body["error"]["fields"][field].is_string(), "{method} {uri} {body}: {}", reply.body);
        }
    }
    for uri in
        ["/api/v1/audit?limit=0", "/api/v1/audit?limit=many", "/api/v1/audit?before=-1", "/api/v1/tokens?user_id=x"]
    {
        let reply = api.call(Method::GET, uri, &admin, None).await;
        reply.expect(StatusCode::BAD_REQUEST, "validation");
        assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 1, "{uri}: {}", reply.body);
    }

    // Not JSON at all.
    let Credentials::Bearer(token) = &admin else { unreachable!() };
    let request = Request::post("/api/v1/users")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=a%40b.org"))
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let request = Request::post("/api/v1/users")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"email\": "))
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn missing_resources_are_404(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;
    let cases = [
        (Method::GET, "/api/v1/users/9999", None),
        (Method::GET, "/api/v1/users/ada", None),
        (Method::PATCH, "/api/v1/users/9999", Some(json!({"role": "viewer"}))),
        (Method::PATCH, "/api/v1/users/9999", Some(json!({"password": PASSWORD}))),
        (Method::DELETE, "/api/v1/tokens/9999", None),
        (Method::DELETE, "/api/v1/tokens/x", None),
        (Method::GET, "/api/v1/campaigns/9999/summary", None),
        (Method::GET, "/api/v1/contacts/9999/history", None),
        (Method::GET, "/api/v1/campaigns/9999/preflight", None),
        (Method::GET, "/api/v1/no-such-thing", None),
    ];
    for (method, uri, body) in cases {
        let reply = api.call(method, uri, &admin, body).await;
        reply.expect(StatusCode::NOT_FOUND, "not_found");
    }
    let reply = api.call(Method::PUT, "/api/v1/users", &admin, None).await;
    reply.expect(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn sign_in_sets_a_strict_http_only_session_cookie(pool: PgPool) {
    let api = Api::new(pool.clone());
    let ada = api.user("ada@example.org", Role::Manager).await;
    let reply = api.login_from("  ADA@example.org ", PASSWORD, client(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    let attributes: Vec<&str> = cookie.split("; ").collect();
    assert!(attributes[0].starts_with("herald_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(attributes.contains(&attribute), "{cookie} lacks {attribute}");
    }
    assert_eq!(reply.body["user"]["id"].as_i64(), Some(ada.id));
    assert_eq!(reply.body["user"]["role"], "manager");
    assert!(reply.body["user"].get("password_hash").is_none());
    assert!(!reply.body.to_string().contains("argon2"));
    let csrf = reply.body["csrf_token"].as_str().unwrap().to_owned();

    // The database keeps the SHA-256 of the secret, never the secret.
    let secret = attributes[0].strip_prefix("herald_session=").unwrap().to_owned();
    assert!(secret.len() >= 43, "256 bits, base64url");
    let (stored, stored_csrf): (Vec<u8>, String) =
        sqlx::query_as("SELECT token_hash, csrf_token FROM sessions").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, Sha256::digest(secret.as_bytes()).to_vec());
    assert_eq!(stored_csrf, csrf);

    let session = Credentials::Cookie { secret, csrf: None };
    let reply = api.call(Method::GET, "/api/v1/auth/me", &session, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        (reply.body["user"]["email"].as_str(), reply.body["via"].as_str()),
        (Some("ada@example.org"), Some("session"))
    );
    assert_eq!(reply.body["csrf_token"].as_str(), Some(csrf.as_str()), "a reloaded page gets its CSRF token back");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn sign_in_fails_alike_for_a_wrong_password_an_unknown_email_and_a_disabled_user(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let bob = api.user("bob@example.org", Role::Viewer).await;
    let admin = api.token(&admin).await;
    api.call(Method::PATCH, &format!("/api/v1/users/{}", bob.id), &admin, Some(json!({"disabled": true}))).await;

    let mut bodies = Vec::new();
    for (email, password) in
        [("admin@example.org", "wrong password!"), ("nobody@example.org", PASSWORD), ("bob@example.org", PASSWORD)]
    {
        let reply = api.login_from(email, password, client(1)).await;
        reply.expect(StatusCode::UNAUTHORIZED, "invalid_credentials");
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
        bodies.push(reply.body);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "{bodies:?}");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn sign_in_is_rate_limited_per_email_and_per_address(pool: PgPool) {
    let api = Api::new(pool);
    api.user("ada@example.org", Role::Viewer).await;
    api.user("bob@example.org", Role::Viewer).await;

    for attempt in 0..5u8 {
        // From a different address each time: the email's limit applies.
        let reply = api.login_from("ada@example.org", "wrong password!", client(10 + attempt)).await;
        reply.expect(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let reply = api.login_from("ada@example.org", PASSWORD, client(20)).await;
    reply.expect(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry_after: u64 = reply.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    // Another email is unaffected.
    assert_eq!(api.login_from("bob@example.org", PASSWORD, client(20)).await.status, StatusCode::OK);

    // Twenty failures from one address, across emails, close that address.
    for index in 0..20 {
        let reply = api.login_from(&format!("guess{index}@example.org"), "wrong password!", client(99)).await;
        reply.expect(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let reply = api.login_from("bob@example.org", PASSWORD, client(99)).await;
    reply.expect(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(api.login_from("bob@example.org", PASSWORD, client(98)).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn csrf_is_required_for_cookie_sessions_and_not_for_bearer_tokens(pool: PgPool) {
    let api = Api::new(pool);
    let ada = api.user("ada@example.org", Role::Manager).await;
    let session = api.session("ada@example.org").await;
    let token = api.token(&ada).await;
    let body = Some(json!({"name": "ci"}));

    let reply = api.call(Method::POST, "/api/v1/tokens", &session.without_csrf(), body.clone()).await;
    reply.expect(StatusCode::FORBIDDEN, "csrf");
    let Credentials::Cookie { secret, .. } = &session else { unreachable!() };
    let wrong = Credentials::Cookie { secret: secret.clone(), csrf: Some("guess".into()) };
    api.call(Method::POST, "/api/v1/tokens", &wrong, body.clone()).await.expect(StatusCode::FORBIDDEN, "csrf");
    let reply = api.call(Method::DELETE, "/api/v1/tokens/1", &session.without_csrf(), None).await;
    reply.expect(StatusCode::FORBIDDEN, "csrf");
    let reply = api.call(Method::POST, "/api/v1/auth/logout", &session.without_csrf(), None).await;
    reply.expect(StatusCode::FORBIDDEN, "csrf");
    // Safe methods need none.
    assert_eq!(api.call(Method::GET, "/api/v1/tokens", &session.without_csrf(), None).await.status, StatusCode::OK);

    assert_eq!(api.call(Method::POST, "/api/v1/tokens", &session, body.clone()).await.status, StatusCode::CREATED);
    assert_eq!(api.call(Method::POST, "/api/v1/tokens", &token, body).await.status, StatusCode::CREATED);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn sign_out_ends_the_session(pool: PgPool) {
    let api = Api::new(pool);
    let ada = api.user("ada@example.org", Role::Viewer).await;
    let session = api.session("ada@example.org").await;
    let other = api.session("ada@example.org").await;
    let token = api.token(&ada).await;

    let reply = api.call(Method::POST, "/api/v1/auth/logout", &session, None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cleared = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("herald_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    api.call(Method::GET, "/api/v1/auth/me", &session, None).await.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(api.call(Method::GET, "/api/v1/auth/me", &other, None).await.status, StatusCode::OK);
    // A token has no session to end.
    api.call(Method::POST, "/api/v1/auth/logout", &token, None).await.expect(StatusCode::BAD_REQUEST, "validation");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn tokens_are_shown_once_listed_without_secrets_and_revoked(pool: PgPool) {
    let api = Api::new(pool.clone());
    let admin = api.user("admin@example.org", Role::Admin).await;
    api.user("ada@example.org", Role::Manager).await;
    api.user("bob@example.org", Role::Manager).await;
    let ada = api.session("ada@example.org").await;
    let bob = api.session("bob@example.org").await;
    let admin = api.token(&admin).await;

    let reply = api.call(Method::POST, "/api/v1/tokens", &ada, Some(json!({"name": " deploy "}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    let id = reply.body["token"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("herald_") && secret.len() >= 50, "{secret}");
    assert_eq!(reply.body["token"]["name"], "deploy");
    let (stored,): (Vec<u8>,) =
        sqlx::query_as("SELECT token_hash FROM api_tokens WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(stored, Sha256::digest(secret.as_bytes()).to_vec(), "only the hash is kept");

    // The token acts as Ada.
    let bearer = Credentials::Bearer(secret.clone());
    let reply = api.call(Method::GET, "/api/v1/auth/me", &bearer, None).await;
    assert_eq!(
        (reply.body["user"]["email"].as_str(), reply.body["via"].as_str()),
        (Some("ada@example.org"), Some("token"))
    );
    assert!(reply.body.get("csrf_token").is_none());

    // Lists never carry secrets; each sees their own, the admin everyone's.
    let listed = api.call(Method::GET, "/api/v1/tokens", &ada, None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert!(!listed.body.to_string().contains(&secret[7..]));
    assert!(listed.body["items"][0].get("token_hash").is_none());
    assert_eq!(api.call(Method::GET, "/api/v1/tokens", &bob, None).await.body["items"], json!([]));
    let all = api.call(Method::GET, "/api/v1/tokens", &admin, None).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2, "Ada's and the admin's own");

    // Bob may not revoke Ada's token, nor learn that it exists.
    let uri = format!("/api/v1/tokens/{id}");
    api.call(Method::DELETE, &uri, &bob, None).await.expect(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(api.call(Method::DELETE, &uri, &ada, None).await.status, StatusCode::NO_CONTENT);
    api.call(Method::GET, "/api/v1/auth/me", &bearer, None).await.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(api.call(Method::DELETE, &uri, &admin, None).await.status, StatusCode::NO_CONTENT, "twice is fine");
    let listed = api.call(Method::GET, "/api/v1/tokens", &ada, None).await;
    assert!(listed.body["items"][0]["revoked_at"].is_string());

    // An admin revokes anyone's.
    let reply = api.call(Method::POST, "/api/v1/tokens", &bob, Some(json!({"name": "b"}))).await;
    let bobs = reply.body["token"]["id"].as_i64().unwrap();
    let uri = format!("/api/v1/tokens/{bobs}");
    assert_eq!(api.call(Method::DELETE, &uri, &admin, None).await.status, StatusCode::NO_CONTENT);
    let bearer = Credentials::Bearer(reply.body["secret"].as_str().unwrap().to_owned());
    api.call(Method::GET, "/api/v1/auth/me", &bearer, None).await.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn admins_create_and_change_users(pool: PgPool) {
    let api = Api::new(pool.clone());
    let admin_user = api.user("admin@example.org", Role::Admin).await;
    let admin = api.session("admin@example.org").await;

    let body = json!({"email": " Cy@Example.org", "password": PASSWORD, "role": "viewer", "display_name": " Cy "});
    let reply = api.call(Method::POST, "/api/v1/users", &admin, Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let cy = reply.body.clone();
    assert_eq!((cy["email"].as_str(), cy["display_name"].as_str()), (Some("cy@example.org"), Some("Cy")));
    assert!(cy.get("password_hash").is_none() && !cy.to_string().contains("argon2"));
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE email = 'cy@example.org'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(PASSWORD));

    let body = json!({"email": "CY@example.org", "password": PASSWORD, "role": "admin"});
    api.call(Method::POST, "/api/v1/users", &admin, Some(body)).await.expect(StatusCode::CONFLICT, "conflict");

    let listed = api.call(Method::GET, "/api/v1/users", &admin, None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    assert!(!listed.body.to_string().contains("argon2"));
    let uri = format!("/api/v1/users/{}", cy["id"]);
    assert_eq!(api.call(Method::GET, &uri, &admin, None).await.body["email"], "cy@example.org");

    // Cy signs in; a new password ends Cy's sessions and replaces the old one.
    let cy_session = api.session("cy@example.org").await;
    let reply = api.call(Method::PATCH, &uri, &admin, Some(json!({"password": "a brand new passphrase"}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    api.call(Method::GET, "/api/v1/auth/me", &cy_session, None)
        .await
        .expect(StatusCode::UNAUTHORIZED, "unauthenticated");
    api.login_from("cy@example.org", PASSWORD, client(2)).await.expect(StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(api.login_from("cy@example.org", "a brand new passphrase", client(2)).await.status, StatusCode::OK);

    // Role changes apply to the next request; disabling locks the user out.
    let reply = api.call(Method::PATCH, &uri, &admin, Some(json!({"role": "manager"}))).await;
    assert_eq!(reply.body["role"], "manager");
    let reply = api.call(Method::PATCH, &uri, &admin, Some(json!({"disabled": true}))).await;
    assert_eq!(reply.body["disabled"], true);
    let reply = api.login_from("cy@example.org", "a brand new passphrase", client(2)).await;
    reply.expect(StatusCode::UNAUTHORIZED, "invalid_credentials");

    // The last enabled admin stays one; changing one's own password keeps
    // one's own session.
    let own = format!("/api/v1/users/{}", admin_user.id);
    let reply = api.call(Method::PATCH, &own, &admin, Some(json!({"role": "viewer"}))).await;
    reply.expect(StatusCode::CONFLICT, "conflict");
    let reply = api.call(Method::PATCH, &own, &admin, Some(json!({"disabled": true}))).await;
    reply.expect(StatusCode::CONFLICT, "conflict");
    let reply = api.call(Method::PATCH, &own, &admin, Some(json!({"password": "another long passphrase"}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(api.call(Method::GET, "/api/v1/auth/me", &admin, None).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_change_is_audited(pool: PgPool) {
    let api = Api::new(pool);
    api.user("admin@example.org", Role::Admin).await;
    let admin = api.session("admin@example.org").await;
    let body = json!({"email": "cy@example.org", "password": PASSWORD, "role": "viewer"});
    let cy = api.call(Method::POST, "/api/v1/users", &admin, Some(body)).await.body;
    api.call(Method::PATCH, &format!("/api/v1/users/{}", cy["id"]), &admin, Some(json!({"role": "manager"}))).await;
    let created = api.call(Method::POST, "/api/v1/tokens", &admin, Some(json!({"name": "ci"}))).await.body;
    let bearer = Credentials::Bearer(created["secret"].as_str().unwrap().to_owned());
    let second = api.call(Method::POST, "/api/v1/tokens", &bearer, Some(json!({"name": "ci2"}))).await.body;
    api.call(Method::DELETE, &format!("/api/v1/tokens/{}", second["token"]["id"]), &admin, None).await;
    api.call(Method::POST, "/api/v1/auth/logout", &admin, None).await;
    // Refused changes leave no trace.
    api.call(
        Method::POST,
        "/api/v1/users",
        &bearer,
        Some(json!({"email": "cy@example.org", "password": PASSWORD, "role": "viewer"})),
    )
    .await;

    let admin_email = "admin@example.org".to_owned();
    let by_token = "admin@example.org (token ci)".to_owned();
    assert_eq!(
        api.audit_actions().await,
        vec![
            ("system:test".into(), "create".into(), "user".into()),
            (admin_email.clone(), "login".into(), "user".into()),
            (admin_email.clone(), "create".into(), "user".into()),
            (admin_email.clone(), "update".into(), "user".into()),
            (admin_email.clone(), "create".into(), "api_token".into()),
            (by_token.clone(), "create".into(), "api_token".into()),
            (admin_email.clone(), "revoke".into(), "api_token".into()),
            (admin_email.clone(), "logout".into(), "user".into()),
        ]
    );

    // GET /audit pages newest first.
    let page = api.call(Method::GET, "/api/v1/audit?limit=3", &bearer, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let actions: Vec<&str> =
        page.body["items"].as_array().unwrap().iter().map(|entry| entry["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["logout", "revoke", "create"]);
    let next = page.body["next_before"].as_i64().unwrap();
    let page = api.call(Method::GET, &format!("/api/v1/audit?limit=3&before={next}"), &bearer, None).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 3);
    let page = api.call(Method::GET, "/api/v1/audit?entity=user&limit=50", &bearer, None).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 5);
    assert!(page.body.get("next_before").is_none());
    assert_eq!(page.body["items"][1]["details"]["role"], json!({"from": "viewer", "to": "manager"}));
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_campaign_summary_is_for_signed_in_users(pool: PgPool) {
    let api = Api::new(pool);
    let viewer = api.user("viewer@example.org", Role::Viewer).await;
    let viewer = api.token(&viewer).await;
    let campaign = api
        .store
        .create_campaign(&herald_store::NewCampaign {
            name: "test".into(),
            prompt_id: None,
            trunk_id: None,
            caller_id: None,
            max_attempts: 1,
            ring_timeout_secs: 30,
            retry_rules: json!({}),
        })
        .await
        .unwrap();
    let uri = format!("/api/v1/campaigns/{}/summary", campaign.id);
    api.call(Method::GET, &uri, &Credentials::None, None).await.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
    let reply = api.call(Method::GET, &uri, &viewer, None).await;
    assert_eq!((reply.status, reply.body["status"].as_str()), (StatusCode::OK, Some("draft")));

    // A contact's history: empty until it is dialed or a decision is logged.
    api.store.insert_contacts(campaign.id, &[new_contact("+4930123456")]).await.unwrap();
    let (contact_id,): (i64,) = sqlx::query_as("SELECT id FROM contacts WHERE campaign_id = $1")
        .bind(campaign.id)
        .fetch_one(api.store.pool())
        .await
        .unwrap();
    let uri = format!("/api/v1/contacts/{contact_id}/history");
    api.call(Method::GET, &uri, &Credentials::None, None).await.expect(StatusCode::UNAUTHORIZED, "unauthenticated");
    let reply = api.call(Method::GET, &uri, &viewer, None).await;
    assert_eq!((reply.status, reply.body.clone()), (StatusCode::OK, json!([])));

    // Preflight says why this draft campaign dials nothing.
    let uri = format!("/api/v1/campaigns/{}/preflight", campaign.id);
    let reply = api.call(Method::GET, &uri, &viewer, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!((reply.body["queued"].as_i64(), reply.body["due_now"].as_i64()), (Some(1), Some(1)));
    assert_eq!(
        reply.body["blockers"],
        json!(["the campaign is draft, not running", "the campaign has no trunk"]),
        "{}",
        reply.body
    );
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy(pool: PgPool) {
    let limits = LoginLimits { per_address: 2, ..LoginLimits::default() };
    for trusted in [false, true] {
        let settings =
            AuthSettings { trust_forwarded_for: trusted, login_limits: limits.clone(), ..AuthSettings::default() };
        let api = Api::with_settings(pool.clone(), settings);
        let mut statuses = Vec::new();
        for index in 0..3u8 {
            // The client claims 198.51.100.7; the proxy appends the real address.
            let body = json!({"email": format!("guess{index}@example.org"), "password": "wrong password!"});
            let mut request = Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("X-Forwarded-For", format!("198.51.100.7, 203.0.113.{index}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(client(1)));
            statuses.push(api.router.clone().oneshot(request).await.unwrap().status());
        }
        let expected = if trusted {
            // Three client addresses, one failure each.
            [StatusCode::UNAUTHORIZED; 3]
        } else {
            // One peer (the proxy), limited after two failures.
            [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]
        };
        assert_eq!(statuses, expected, "trusted: {trusted}");
    }
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_served_router_knows_the_peer_address(pool: PgPool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let settings = AuthSettings {
        login_limits: LoginLimits { per_address: 1, ..LoginLimits::default() },
        ..AuthSettings::default()
    };
    let api = Api::with_settings(pool, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(herald_ui::serve(listener, api.router.clone(), shutdown.clone()));
    let mut statuses = Vec::new();
    for index in 0..2 {
        let body = json!({"email": format!("guess{index}@example.org"), "password": "wrong password!"}).to_string();
        let request = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        statuses.push(response.split(' ').nth(1).unwrap_or_default().to_owned());
    }
    assert_eq!(statuses, ["401", "429"], "the second failure from 127.0.0.1 is over the address's limit");
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// The role each route needed when every handler checked it itself (a
/// `principal.require(..)` in each), before the route table's layer took
/// the check over. Written out here, not read from the table, so that the
/// table cannot drift from it unnoticed.
const ROLE_PER_ROUTE: &[(&str, &str, Option<Role>)] = &[
    ("post", "/auth/login", None),
    ("post", "/auth/logout", Some(Role::Viewer)),
    ("get", "/auth/me", Some(Role::Viewer)),
    ("get", "/users", Some(Role::Admin)),
    ("post", "/users", Some(Role::Admin)),
    ("get", "/users/{id}", Some(Role::Admin)),
    ("patch", "/users/{id}", Some(Role::Admin)),
    ("get", "/tokens", Some(Role::Viewer)),
    ("post", "/tokens", Some(Role::Manager)),
    ("delete", "/tokens/{id}", Some(Role::Manager)),
    ("get", "/audit", Some(Role::Admin)),
    ("get", "/trunks", Some(Role::Viewer)),
    ("post", "/trunks", Some(Role::Manager)),
    ("get", "/trunks/{id}", Some(Role::Viewer)),
    ("patch", "/trunks/{id}", Some(Role::Manager)),
    ("delete", "/trunks/{id}", Some(Role::Manager)),
    ("get", "/trunk-groups", Some(Role::Viewer)),
    ("post", "/trunk-groups", Some(Role::Manager)),
    ("get", "/trunk-groups/{id}", Some(Role::Viewer)),
    ("patch", "/trunk-groups/{id}", Some(Role::Manager)),
    ("delete", "/trunk-groups/{id}", Some(Role::Manager)),
    ("put", "/trunk-groups/{id}/members/{trunk_id}", Some(Role::Manager)),
    ("delete", "/trunk-groups/{id}/members/{trunk_id}", Some(Role::Manager)),
    ("get", "/prompts", Some(Role::Viewer)),
    ("post", "/prompts", Some(Role::Manager)),
    ("get", "/prompts/{id}", Some(Role::Viewer)),
    ("delete", "/prompts/{id}", Some(Role::Manager)),
    ("get", "/prompts/{id}/audio", Some(Role::Viewer)),
    ("get", "/scripts", Some(Role::Viewer)),
    ("post", "/scripts", Some(Role::Manager)),
    ("get", "/scripts/{id}", Some(Role::Viewer)),
    ("patch", "/scripts/{id}", Some(Role::Manager)),
    ("delete", "/scripts/{id}", Some(Role::Manager)),
    ("post", "/speech/preview", Some(Role::Manager)),
    ("get", "/calling-hours/defaults", Some(Role::Viewer)),
    ("get", "/campaigns", Some(Role::Viewer)),
    ("post", "/campaigns", Some(Role::Manager)),
    ("get", "/campaigns/{id}", Some(Role::Viewer)),
    ("patch", "/campaigns/{id}", Some(Role::Manager)),
    ("post", "/campaigns/{id}/clone", Some(Role::Manager)),
    ("post", "/campaigns/{id}/{action}", Some(Role::Manager)),
    ("get", "/campaigns/{id}/summary", Some(Role::Viewer)),
    ("get", "/campaigns/{id}/preflight", Some(Role::Viewer)),
    ("get", "/campaigns/{id}/report", Some(Role::Viewer)),
    ("get", "/campaigns/{id}/attempts", Some(Role::Viewer)),
    ("get", "/campaigns/{id}/attempts.csv", Some(Role::Viewer)),
    ("get", "/campaigns/{id}/imports", Some(Role::Viewer)),
    ("post", "/campaigns/{id}/imports", Some(Role::Manager)),
    ("get", "/imports/{id}", Some(Role::Viewer)),
    ("put", "/imports/{id}/data", Some(Role::Manager)),
    ("get", "/imports/{id}/errors.csv", Some(Role::Viewer)),
    ("get", "/contacts/{id}/history", Some(Role::Viewer)),
    ("get", "/lists", Some(Role::Viewer)),
    ("post", "/lists", Some(Role::Manager)),
    ("get", "/lists/{id}", Some(Role::Viewer)),
    ("patch", "/lists/{id}", Some(Role::Manager)),
    ("delete", "/lists/{id}", Some(Role::Manager)),
    ("get", "/lists/{id}/entries", Some(Role::Viewer)),
    ("post", "/lists/{id}/entries", Some(Role::Manager)),
    ("delete", "/lists/{id}/entries/{pattern}", Some(Role::Manager)),
    ("put", "/lists/{id}/data", Some(Role::Manager)),
    ("post", "/opt-outs", Some(Role::Manager)),
    ("get", "/caller-id-pools", Some(Role::Viewer)),
    ("post", "/caller-id-pools", Some(Role::Manager)),
    ("get", "/caller-id-pools/{id}", Some(Role::Viewer)),
    ("patch", "/caller-id-pools/{id}", Some(Role::Manager)),
    ("delete", "/caller-id-pools/{id}", Some(Role::Manager)),
    ("put", "/caller-id-pools/{id}/numbers/{number}", Some(Role::Manager)),
    ("delete", "/caller-id-pools/{id}/numbers/{number}", Some(Role::Manager)),
    ("get", "/webhooks", Some(Role::Manager)),
    ("post", "/webhooks", Some(Role::Manager)),
    ("patch", "/webhooks/{id}", Some(Role::Manager)),
    ("delete", "/webhooks/{id}", Some(Role::Manager)),
    ("get", "/webhooks/{id}/deliveries", Some(Role::Manager)),
    ("post", "/webhooks/{id}/deliveries/{delivery_id}/retry", Some(Role::Manager)),
    ("get", "/dashboard", Some(Role::Viewer)),
    ("get", "/events", Some(Role::Viewer)),
];

#[test]
fn the_route_table_keeps_each_routes_role() {
    assert_eq!(herald_ui::api_routes(), ROLE_PER_ROUTE, "the route table's roles changed");
}

/// Every route refuses each role below its own with the same 403 as ever
/// (before the handler reads any input), and lets its own role read: the
/// roles are applied by the route table's layer, and applied right.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_route_refuses_roles_below_its_own(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let manager = api.user("manager@example.org", Role::Manager).await;
    let viewer = api.user("viewer@example.org", Role::Viewer).await;
    let admin = api.token(&admin).await;
    let manager = api.token(&manager).await;
    let viewer_token = api.token(&viewer).await;
    let viewer_session = api.session("viewer@example.org").await;
    let mut refused = 0;
    let mut admitted = 0;
    for &(method, path, role) in ROLE_PER_ROUTE {
        let uri = uri_of(path, "1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (below, at): (&[&Credentials], &Credentials) = match role {
            Some(Role::Admin) => (&[&manager, &viewer_token, &viewer_session], &admin),
            Some(Role::Manager) => (&[&viewer_token, &viewer_session], &manager),
            Some(Role::Viewer) => (&[], &viewer_token),
            None => continue,
        };
        for credentials in below {
            let reply = api.call(method.clone(), &uri, credentials, Some(json!({"name": "x"}))).await;
            assert_eq!(
                (reply.status, reply.code()),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{method} {uri}: {}",
                reply.body
            );
            refused += 1;
        }
        // Reads only (a change could revoke the credentials themselves);
        // the event stream never ends.
        if method == Method::GET && path != "/events" {
            let reply = api.call(method.clone(), &uri, at, None).await;
            assert!(
                ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status),
                "{method} {uri} with its own role: {} {}",
                reply.status,
                reply.body
            );
            admitted += 1;
        }
    }
    assert!(refused > 30 && admitted > 30, "{refused} refused, {admitted} admitted");
}

/// A WAV file Herald ships: a real prompt.
fn welcome_wav() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sounds/welcome.wav")).unwrap()
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn managers_set_up_and_run_a_campaign_through_the_api(pool: PgPool) {
    let api = Api::new(pool.clone());
    let manager = api.user("manager@example.org", Role::Manager).await;
    let viewer = api.user("viewer@example.org", Role::Viewer).await;
    let manager = api.token(&manager).await;
    let viewer = api.token(&viewer).await;

    // A trunk: bad fields are named, a taken name conflicts, a missing one is 404.
    let bad = json!({"name": "", "host": "a b", "port": 70000, "transport": "sctp", "cps_limit": 0, "extra": 1});
    let reply = api.call(Method::POST, "/api/v1/trunks", &manager, Some(bad)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let fields: Vec<&String> = reply.body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["cps_limit", "extra", "host", "name", "port", "transport"], "{}", reply.body);
    let trunk = json!({"name": "carrier", "host": "127.0.0.1", "port": 5090, "cps_limit": 20, "max_lines": 30,
                       "auth_username": "herald", "auth_password": "s3cret"});
    let reply = api.call(Method::POST, "/api/v1/trunks", &manager, Some(trunk.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body.get("auth_password").is_none(), "passwords are write-only: {}", reply.body);
    let trunk_id = reply.body["id"].as_i64().unwrap();
    api.call(Method::POST, "/api/v1/trunks", &manager, Some(trunk)).await.expect(StatusCode::CONFLICT, "conflict");
    let uri = format!("/api/v1/trunks/{trunk_id}");
    let reply = api.call(Method::PATCH, &uri, &manager, Some(json!({"enabled": false, "max_lines": 40}))).await;
    assert_eq!((reply.body["enabled"].as_bool(), reply.body["max_lines"].as_i64()), (Some(false), Some(40)));
    api.call(Method::PATCH, &uri, &manager, Some(json!({}))).await.expect(StatusCode::BAD_REQUEST, "validation");
    api.call(Method::PATCH, &uri, &manager, Some(json!({"enabled": true}))).await;
    api.call(Method::GET, "/api/v1/trunks/999", &viewer, None).await.expect(StatusCode::NOT_FOUND, "not_found");
    let reply = api.call(Method::GET, "/api/v1/trunks", &viewer, None).await;
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 1);

    // A prompt: a real WAV is decoded and kept as uploaded; noise is refused.
    let wav = welcome_wav();
    let reply = api
        .upload(Method::POST, "/api/v1/prompts?name=welcome&filename=welcome.wav", &manager, "audio/wav", &wav)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body["duration_ms"].as_i64().unwrap() > 1000, "{}", reply.body);
    let prompt_id = reply.body["id"].as_i64().unwrap();
    let audio = api.send(Method::GET, &format!("/api/v1/prompts/{prompt_id}/audio"), &viewer, None, client(1)).await;
    assert_eq!(audio.headers[header::CONTENT_TYPE], "audio/wav");
    let reply = api
        .upload(Method::POST, "/api/v1/prompts?name=noise&filename=noise.wav", &manager, "audio/wav", b"RIFF?")
        .await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert!(reply.body["error"]["fields"]["file"].is_string(), "{}", reply.body);
    let reply = api.upload(Method::POST, "/api/v1/prompts?filename=x.txt", &manager, "text/plain", b"hello").await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "name and filename: {}", reply.body);

    // A campaign: checked field by field; it cannot start without a trunk.
    let bad = json!({"name": "x", "timezone": "Mars/Base", "caller_id": "abc", "max_attempts": 0,
                     "calling_window": {"mon": ["25:00-26:00"]}, "trunk_id": "one"});
    let reply = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(bad)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let fields: Vec<&String> = reply.body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["caller_id", "calling_window", "max_attempts", "timezone", "trunk_id"], "{}", reply.body);
    let reply = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(json!({"name": "empty"}))).await;
    let empty_id = reply.body["id"].as_i64().unwrap();
    let reply = api.call(Method::POST, &format!("/api/v1/campaigns/{empty_id}/start"), &manager, None).await;
    reply.expect(StatusCode::CONFLICT, "conflict");
    assert!(reply.body["error"]["message"].as_str().unwrap().contains("trunk_id and prompt_id"), "{}", reply.body);
    let body = json!({"name": "Storm warning", "trunk_id": trunk_id, "prompt_id": prompt_id,
                      "caller_id": "+12025550100", "timezone": "Europe/Berlin", "max_attempts": 2,
                      "retry_rules": {"busy": {"delay_secs": 300}}});
    let reply = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(body)).await;
    assert_eq!((reply.status, reply.body["status"].as_str()), (StatusCode::CREATED, Some("draft")), "{}", reply.body);
    let campaign_id = reply.body["id"].as_i64().unwrap();

    // Contacts: mapped columns, a bad row reported by line, a duplicate skipped.
    let uri = format!("/api/v1/campaigns/{campaign_id}/imports");
    api.call(Method::POST, &uri, &manager, Some(json!({}))).await.expect(StatusCode::BAD_REQUEST, "validation");
    let mapping = json!({"phone_column": "Mobile", "tag_columns": ["Name"]});
    let reply = api.call(Method::POST, &uri, &manager, Some(mapping)).await;
    assert_eq!((reply.status, reply.body["state"].as_str()), (StatusCode::CREATED, Some("waiting")));
    let import_id = reply.body["id"].as_i64().unwrap();
    let csv = "Name,Mobile,Notes\nAda,+4930123456,x\nBob,not-a-number,y\nCy,+12025550123,z\nAda again,+4930123456,w\n";
    let data = format!("/api/v1/imports/{import_id}/data");
    let reply = api.upload(Method::PUT, &data, &manager, "text/csv", csv.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let counts =
        ["state", "rows_read", "imported", "duplicates", "rejected", "bytes_read"].map(|key| reply.body[key].clone());
    assert_eq!(counts, [json!("done"), json!(4), json!(2), json!(1), json!(1), json!(csv.len())], "{}", reply.body);
    api.upload(Method::PUT, &data, &manager, "text/csv", csv.as_bytes()).await.expect(StatusCode::CONFLICT, "conflict");
    let errors =
        api.send(Method::GET, &format!("/api/v1/imports/{import_id}/errors.csv"), &viewer, None, client(1)).await;
    let errors = errors.body.as_str().unwrap().to_owned();
    assert!(errors.starts_with("line,message\n3,"), "{errors}");
    assert!(errors.contains("not-a-number"), "{errors}");
    let tags: Vec<(Value,)> = sqlx::query_as("SELECT tags FROM contacts WHERE campaign_id = $1 ORDER BY id")
        .bind(campaign_id)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(tags[0].0, json!({"Name": "Ada"}));
    // A file without the mapped column fails the import, saying why.
    let reply = api.call(Method::POST, &uri, &manager, Some(json!({"phone_column": "Phone"}))).await;
    let data = format!("/api/v1/imports/{}/data", reply.body["id"]);
    let reply = api.upload(Method::PUT, &data, &manager, "text/csv", csv.as_bytes()).await;
    assert_eq!(reply.body["state"], "failed");
    assert!(reply.body["error"].as_str().unwrap().contains("\"Phone\""), "{}", reply.body);
    let reply = api.call(Method::GET, &uri, &viewer, None).await;
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 2);

    // The lifecycle: each action only from where it applies.
    let action = |name: &str| format!("/api/v1/campaigns/{campaign_id}/{name}");
    for (name, status) in [("start", "running"), ("pause", "paused"), ("resume", "running")] {
        let reply = api.call(Method::POST, &action(name), &manager, None).await;
        assert_eq!(
            (reply.status, reply.body["status"].as_str()),
            (StatusCode::OK, Some(status)),
            "{name}: {}",
            reply.body
        );
    }
    api.call(Method::POST, &action("start"), &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    api.call(Method::POST, &action("archive"), &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    api.call(Method::POST, &action("explode"), &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");

    // Attempts as the Talkers write them: paged, filtered, exported, counted.
    for (attempt_no, phone, outcome, code) in [(1, "+4930123456", "answered", 200), (1, "+12025550123", "busy", 486)] {
        sqlx::query(
            "INSERT INTO attempts (contact_id, campaign_id, attempt_no, lease_epoch, node_id, phone, outcome, \
                                   sip_code, invite_at, ended_at, talk_ms) \
             SELECT id, campaign_id, $2, 1, 'talker-1', phone, $3, $4, now() - interval '5 s', now(), 4100 \
             FROM contacts WHERE campaign_id = $1 AND phone = $5",
        )
        .bind(campaign_id)
        .bind(attempt_no)
        .bind(outcome)
        .bind(code)
        .bind(phone)
        .execute(&pool)
        .await
        .unwrap();
    }
    let attempts = format!("/api/v1/campaigns/{campaign_id}/attempts");
    let page = api.call(Method::GET, &format!("{attempts}?limit=1"), &viewer, None).await;
    assert_eq!(page.body["items"][0]["outcome"], "answered", "{}", page.body);
    let next = page.body["next"].as_str().unwrap().to_owned();
    let page = api.call(Method::GET, &format!("{attempts}?limit=1&after={next}"), &viewer, None).await;
    assert_eq!((page.body["items"][0]["sip_code"].as_i64(), page.body["next"].clone()), (Some(486), Value::Null));
    let page = api.call(Method::GET, &format!("{attempts}?outcome=busy&phone=%2B1202"), &viewer, None).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1, "{}", page.body);
    let reply = api.call(Method::GET, &format!("{attempts}?outcome=maybe&limit=0"), &viewer, None).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2);
    let export = api.send(Method::GET, &format!("{attempts}.csv"), &viewer, None, client(1)).await;
    assert!(export.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    let export = export.body.as_str().unwrap().to_owned();
    let lines: Vec<&str> = export.lines().collect();
    assert_eq!(lines.len(), 3, "{export}");
    assert!(lines[0].starts_with("attempt_id,contact_id,phone,"), "{export}");
    assert!(lines[1].contains(",+4930123456,1,answered,200,"), "{export}");
    let report = api.call(Method::GET, &format!("/api/v1/campaigns/{campaign_id}/report"), &viewer, None).await;
    assert_eq!(report.body["outcomes"], json!({"answered": 1, "busy": 1}), "{}", report.body);
    assert_eq!(report.body["sip_codes"], json!({"200": 1, "486": 1}));
    assert_eq!(report.body["average_talk_ms"], json!(4100.0));
    let dashboard = api.call(Method::GET, "/api/v1/dashboard", &viewer, None).await;
    let listed = dashboard.body["campaigns"].as_array().unwrap().iter().find(|c| c["id"] == campaign_id).unwrap();
    assert_eq!((listed["contacts"].as_i64(), listed["status"].as_str()), (Some(2), Some("running")));

    // Stop, archive, clone.
    for (name, status) in [("stop", "stopped"), ("archive", "archived")] {
        let reply = api.call(Method::POST, &action(name), &manager, None).await;
        assert_eq!(reply.body["status"].as_str(), Some(status), "{}", reply.body);
    }
    let reply = api
        .call(Method::PATCH, &format!("/api/v1/campaigns/{campaign_id}"), &manager, Some(json!({"name": "y"})))
        .await;
    reply.expect(StatusCode::CONFLICT, "conflict");
    let reply = api.call(Method::POST, &action("clone"), &manager, None).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        (reply.body["name"].as_str(), reply.body["status"].as_str()),
        (Some("Storm warning (copy)"), Some("draft"))
    );
    assert_eq!(reply.body["retry_rules"], json!({"busy": {"delay_secs": 300}}));
    let listed = api.call(Method::GET, "/api/v1/campaigns", &viewer, None).await;
    assert!(listed.body["items"].as_array().unwrap().iter().all(|c| c["id"] != campaign_id), "archived is hidden");
    let listed = api.call(Method::GET, "/api/v1/campaigns?status=archived", &viewer, None).await;
    assert_eq!(listed.body["items"][0]["id"], campaign_id);
    // In use: the trunk and prompt cannot go.
    api.call(Method::DELETE, &format!("/api/v1/trunks/{trunk_id}"), &manager, None)
        .await
        .expect(StatusCode::CONFLICT, "conflict");
    api.call(Method::DELETE, &format!("/api/v1/prompts/{prompt_id}"), &manager, None)
        .await
        .expect(StatusCode::CONFLICT, "conflict");

    // Every change is audited.
    api.assert_audited(&[
        ("create", "trunk"),
        ("update", "trunk"),
        ("create", "prompt"),
        ("create", "campaign"),
        ("create", "import"),
        ("start", "campaign"),
        ("pause", "campaign"),
        ("stop", "campaign"),
        ("archive", "campaign"),
        ("clone", "campaign"),
    ])
    .await;
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_openapi_document_describes_every_route(pool: PgPool) {
    let api = Api::new(pool);
    let reply = api.call(Method::GET, "/api/openapi.json", &Credentials::None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["openapi"], "3.1.0");
    for (method, path, _) in herald_ui::api_routes() {
        let operation = &reply.body["paths"][format!("/api/v1{path}")][method];
        assert!(operation["summary"].is_string(), "{method} {path}");
        assert!(operation["responses"].is_object(), "{method} {path}");
    }
    let campaign = &reply.body["components"]["schemas"]["Campaign"]["properties"];
    assert!(!campaign["calling_window"].is_null() && campaign["status"].is_object(), "{campaign}");
}

/// The request schemas in the document describe the bodies the handlers
/// read: each is a named schema that admits no other fields, a `PATCH`
/// requires none, and a body posted to a path without parameters that has
/// a field the schema does not list is refused naming it, and every field
/// the schema requires.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn request_schemas_describe_what_handlers_accept(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;
    let document = api.call(Method::GET, "/api/openapi.json", &Credentials::None, None).await.body;
    let schemas = &document["components"]["schemas"];
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(body) = operation["requestBody"]["content"].get("application/json") else { continue };
            let reference = body["schema"]["$ref"].as_str().unwrap_or_else(|| panic!("{method} {path}: {body}"));
            let schema = &schemas[reference.trim_start_matches("#/components/schemas/")];
            assert_eq!(schema["additionalProperties"], false, "{method} {path}: {schema}");
            if method == "patch" {
                assert!(schema.get("required").is_none(), "{method} {path}: {schema}");
            }
            if method != "post" || path.contains('{') {
                continue;
            }
            let reply = api.call(Method::POST, path, &admin, Some(json!({"not_a_field": 1}))).await;
            reply.expect(StatusCode::BAD_REQUEST, "validation");
            let fields = reply.body["error"]["fields"].as_object().unwrap();
            assert_eq!(fields["not_a_field"], "is not a known field", "{path}: {}", reply.body);
            for required in schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap();
                assert!(fields.contains_key(required), "{path}: {required} is not reported missing: {}", reply.body);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn lists_are_searched_uploaded_and_opted_into(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let reply = api.call(Method::POST, "/api/v1/lists", &manager, Some(json!({"name": "", "kind": "grey"}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    let reply = api
        .call(Method::POST, "/api/v1/lists", &manager, Some(json!({"name": "x", "kind": "black", "campaign_id": 999})))
        .await;
    reply.expect(StatusCode::CONFLICT, "conflict");
    let reply =
        api.call(Method::POST, "/api/v1/lists", &manager, Some(json!({"name": "do not call", "kind": "black"}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let list = reply.body["id"].as_i64().unwrap();

    let entries = format!("/api/v1/lists/{list}/entries");
    let reply = api.call(Method::POST, &entries, &manager, Some(json!({"pattern": "0301234"}))).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let body = json!({"pattern": "+49 30 123456", "reason": "asked us"});
    assert_eq!(api.call(Method::POST, &entries, &manager, Some(body)).await.status, StatusCode::CREATED);
    let csv = "pattern,reason\n+4940*,Hamburg office\n+12025550100\nnonsense\n+4930999\n";
    let reply =
        api.upload(Method::PUT, &format!("/api/v1/lists/{list}/data"), &manager, "text/csv", csv.as_bytes()).await;
    assert_eq!(
        (reply.body["written"].as_u64(), reply.body["rejected_count"].as_u64()),
        (Some(3), Some(1)),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["rejected"][0]["line"], 4);

    // Search by beginning, in number order, a page at a time.
    let page = api.call(Method::GET, &format!("{entries}?search=%2B49&limit=2"), &manager, None).await;
    let patterns: Vec<&str> =
        page.body["items"].as_array().unwrap().iter().map(|e| e["pattern"].as_str().unwrap()).collect();
    assert_eq!(patterns, ["+4930123456", "+4930999"], "{}", page.body);
    let next = page.body["next"].as_str().unwrap();
    let page =
        api.call(Method::GET, &format!("{entries}?search=%2B49&limit=2&after=%2B{}", &next[1..]), &manager, None).await;
    assert_eq!(
        (page.body["items"][0]["pattern"].as_str(), page.body["items"][0]["is_prefix"].as_bool()),
        (Some("+4940"), Some(true))
    );
    assert!(page.body["next"].is_null());
    api.call(Method::GET, &format!("{entries}?search=abc"), &manager, None)
        .await
        .expect(StatusCode::BAD_REQUEST, "validation");

    // Removing: once, then 404.
    let one = format!("{entries}/%2B4930999");
    assert_eq!(api.call(Method::DELETE, &one, &manager, None).await.status, StatusCode::NO_CONTENT);
    api.call(Method::DELETE, &one, &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");

    // An opt-out lands on the global opt-out blacklist, which every campaign obeys.
    api.call(Method::POST, "/api/v1/opt-outs", &manager, Some(json!({"phone": "nope"})))
        .await
        .expect(StatusCode::BAD_REQUEST, "validation");
    let reply = api.call(Method::POST, "/api/v1/opt-outs", &manager, Some(json!({"phone": "+1 202 555 0199"}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let verdict = api.store.list_verdict(12345, "+12025550199").await.unwrap();
    assert!(verdict.blacklisted);
    let lists = api.call(Method::GET, "/api/v1/lists", &manager, None).await;
    assert!(lists.body["items"].as_array().unwrap().iter().any(|l| l["name"] == "opt-out" && l["kind"] == "black"));
    api.call(Method::GET, "/api/v1/lists/999/entries", &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        api.call(Method::DELETE, &format!("/api/v1/lists/{list}"), &manager, None).await.status,
        StatusCode::NO_CONTENT
    );
}

/// Every route that names a resource answers 404 for one that does not
/// exist (with input that would otherwise be valid).
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_route_naming_a_missing_resource_is_404(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;
    let mut checked = 0;
    for (method, path, role) in herald_ui::api_routes() {
        if role.is_none() || !path.contains("{id}") {
            continue;
        }
        let uri = uri_of(path, "999999");
        let body = match (method, path) {
            ("patch", "/users/{id}") => Some(json!({"role": "viewer"})),
            ("patch", "/trunks/{id}") => Some(json!({"enabled": true})),
            ("patch", "/campaigns/{id}") => Some(json!({"name": "x"})),
            ("patch", "/trunk-groups/{id}") => Some(json!({"name": "x"})),
            ("patch", "/caller-id-pools/{id}") => Some(json!({"name": "x"})),
            ("patch", "/lists/{id}") => Some(json!({"name": "x"})),
            ("patch", "/webhooks/{id}") => Some(json!({"enabled": true})),
            ("post", "/campaigns/{id}/imports") => Some(json!({"phone_column": "phone"})),
            ("post", "/lists/{id}/entries") => Some(json!({"pattern": "+4930"})),
            ("put", "/caller-id-pools/{id}/numbers/{number}") => Some(json!({})),
            ("put", "/trunk-groups/{id}/members/{trunk_id}") => Some(json!({})),
            _ => None,
        };
        let reply = if method == "put" && path.ends_with("/data") {
            api.upload(Method::PUT, &uri, &admin, "text/csv", b"phone\n+4930123456\n").await
        } else {
            api.call(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &uri, &admin, body).await
        };
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{method} {uri}: {}",
            reply.body
        );
        checked += 1;
    }
    assert!(checked >= 25, "{checked}");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn caller_id_pools_hold_numbers_with_caps(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let body = json!({"name": "", "strategy": "random", "size": 3});
    let reply = api.call(Method::POST, "/api/v1/caller-id-pools", &manager, Some(body)).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 3, "{}", reply.body);
    let body = json!({"name": "Berlin office", "strategy": "local_presence"});
    let reply = api.call(Method::POST, "/api/v1/caller-id-pools", &manager, Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let pool_id = reply.body["id"].as_i64().unwrap();
    api.call(Method::POST, "/api/v1/caller-id-pools", &manager, Some(body))
        .await
        .expect(StatusCode::CONFLICT, "conflict");

    let number = |n: &str| format!("/api/v1/caller-id-pools/{pool_id}/numbers/{n}");
    let reply = api.call(Method::PUT, &number("%2B4930123456"), &manager, Some(json!({"daily_cap": 200}))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    api.call(Method::PUT, &number("%2B4940123456"), &manager, Some(json!({"enabled": false}))).await;
    let reply = api.call(Method::PUT, &number("not-a-number"), &manager, Some(json!({"daily_cap": 0}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    let detail = api.call(Method::GET, &format!("/api/v1/caller-id-pools/{pool_id}"), &manager, None).await;
    assert_eq!(detail.body["strategy"], "local_presence");
    let numbers = detail.body["numbers"].as_array().unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!((numbers[0]["daily_cap"].as_i64(), numbers[0]["used_today"].as_i64()), (Some(200), Some(0)));
    assert_eq!(numbers[1]["enabled"], false);
    // A PUT changes only what it sends.
    api.call(Method::PUT, &number("%2B4930123456"), &manager, Some(json!({"enabled": false}))).await;
    let detail = api.call(Method::GET, &format!("/api/v1/caller-id-pools/{pool_id}"), &manager, None).await;
    assert_eq!(
        (detail.body["numbers"][0]["daily_cap"].as_i64(), detail.body["numbers"][0]["enabled"].as_bool()),
        (Some(200), Some(false))
    );
    assert_eq!(api.call(Method::DELETE, &number("%2B4940123456"), &manager, None).await.status, StatusCode::NO_CONTENT);
    api.call(Method::DELETE, &number("%2B4940123456"), &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");

    // A campaign presents the pool's numbers.
    let body = json!({"name": "with a pool", "caller_id_pool_id": pool_id});
    let reply = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(body)).await;
    assert_eq!(reply.body["caller_id_pool_id"], pool_id, "{}", reply.body);
    let body = json!({"name": "with a missing pool", "caller_id_pool_id": 999});
    api.call(Method::POST, "/api/v1/campaigns", &manager, Some(body)).await.expect(StatusCode::CONFLICT, "conflict");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn trunk_groups_order_trunks_for_campaigns(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let reply = api.call(Method::POST, "/api/v1/trunk-groups", &manager, Some(json!({"strategy": "random"}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    let reply = api
        .call(Method::POST, "/api/v1/trunk-groups", &manager, Some(json!({"name": "EU", "strategy": "weighted"})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let group = reply.body["id"].as_i64().unwrap();
    let trunk =
        api.call(Method::POST, "/api/v1/trunks", &manager, Some(json!({"name": "a", "host": "127.0.0.1"}))).await;
    let trunk = trunk.body["id"].as_i64().unwrap();
    let member = |trunk: i64| format!("/api/v1/trunk-groups/{group}/members/{trunk}");
    let reply = api.call(Method::PUT, &member(trunk), &manager, Some(json!({"weight": 0, "prefixes": ["49"]}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    api.call(Method::PUT, &member(999), &manager, Some(json!({}))).await.expect(StatusCode::CONFLICT, "conflict");
    let reply = api.call(Method::PUT, &member(trunk), &manager, Some(json!({"weight": 3, "prefixes": ["+49"]}))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let detail = api.call(Method::GET, &format!("/api/v1/trunk-groups/{group}"), &manager, None).await;
    assert_eq!(detail.body["members"], json!([{"trunk_id": trunk, "position": 0, "weight": 3, "prefixes": ["+49"]}]));

    // A campaign routed through the group may start without a single trunk.
    let wav = welcome_wav();
    let prompt = api.upload(Method::POST, "/api/v1/prompts?name=p&filename=p.wav", &manager, "audio/wav", &wav).await;
    let body = json!({"name": "grouped", "trunk_group_id": group, "prompt_id": prompt.body["id"]});
    let campaign = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(body)).await;
    let start = format!("/api/v1/campaigns/{}/start", campaign.body["id"]);
    let reply = api.call(Method::POST, &start, &manager, None).await;
    assert_eq!(reply.body["status"], "running", "{}", reply.body);
    assert_eq!(api.call(Method::DELETE, &member(trunk), &manager, None).await.status, StatusCode::NO_CONTENT);
    api.call(Method::DELETE, &member(trunk), &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");

    // The preflight names an empty group.
    let preflight = format!("/api/v1/campaigns/{}/preflight", campaign.body["id"]);
    let reply = api.call(Method::GET, &preflight, &manager, None).await;
    assert_eq!(reply.body["trunk_group"]["name"], "EU", "{}", reply.body);
    assert!(reply.body["blockers"].to_string().contains("trunk group EU has no trunks"), "{}", reply.body);
    // Renamed; in use, it cannot be removed.
    let group_uri = format!("/api/v1/trunk-groups/{group}");
    let reply =
        api.call(Method::PATCH, &group_uri, &manager, Some(json!({"name": "Europe", "strategy": "ordered"}))).await;
    assert_eq!((reply.body["name"].as_str(), reply.body["strategy"].as_str()), (Some("Europe"), Some("ordered")));
    api.call(Method::PATCH, &group_uri, &manager, Some(json!({"strategy": "x"})))
        .await
        .expect(StatusCode::BAD_REQUEST, "validation");
    api.call(Method::DELETE, &group_uri, &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn webhooks_are_added_with_a_secret_shown_once(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let reply =
        api.call(Method::POST, "/api/v1/webhooks", &manager, Some(json!({"url": "ftp://x", "secret": "short"}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    // Not inside the network (ui.webhook_private_targets is off).
    for url in ["http://127.0.0.1:9/x", "http://169.254.169.254/latest", "http://[::1]/"] {
        let reply = api.call(Method::POST, "/api/v1/webhooks", &manager, Some(json!({"url": url}))).await;
        reply.expect(StatusCode::BAD_REQUEST, "validation");
        assert!(reply.body["error"]["fields"]["url"].as_str().unwrap().contains("private"), "{}", reply.body);
    }
    let body = json!({"url": "https://crm.example.org/herald", "campaign_id": 999});
    api.call(Method::POST, "/api/v1/webhooks", &manager, Some(body)).await.expect(StatusCode::CONFLICT, "conflict");
    let reply = api
        .call(Method::POST, "/api/v1/webhooks", &manager, Some(json!({"url": "https://crm.example.org/herald"})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["secret"].as_str().unwrap().len(), 48);
    let listed = api.call(Method::GET, "/api/v1/webhooks", &manager, None).await;
    let hook = &listed.body["items"][0];
    assert_eq!((hook["url"].as_str(), hook["pending"].as_i64()), (Some("https://crm.example.org/herald"), Some(0)));
    assert!(hook.get("secret").is_none(), "the secret is shown only once: {hook}");
    let uri = format!("/api/v1/webhooks/{}", reply.body["id"]);
    assert_eq!(api.call(Method::DELETE, &uri, &manager, None).await.status, StatusCode::NO_CONTENT);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn webhooks_are_changed_and_their_deliveries_listed_and_retried(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let webhook = created(&api, &manager, "/api/v1/webhooks", json!({"url": "https://crm.example.org/herald"})).await;
    let uri = format!("/api/v1/webhooks/{webhook}");

    // A new URL is checked as at creation; the secret is not changed this way.
    let body = json!({"url": "http://192.168.1.10/hook", "secret": "a secret of some length", "enabled": "no"});
    let reply = api.call(Method::PATCH, &uri, &manager, Some(body)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let fields: Vec<&String> = reply.body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["enabled", "secret", "url"], "{}", reply.body);
    api.call(Method::PATCH, &uri, &manager, Some(json!({}))).await.expect(StatusCode::BAD_REQUEST, "validation");
    let body = json!({"campaign_id": 999});
    api.call(Method::PATCH, &uri, &manager, Some(body)).await.expect(StatusCode::CONFLICT, "conflict");
    let campaign = created(&api, &manager, "/api/v1/campaigns", json!({"name": "hooked"})).await;
    let body = json!({"url": "https://crm.example.org/v2/herald", "campaign_id": campaign, "enabled": false});
    let reply = api.call(Method::PATCH, &uri, &manager, Some(body)).await;
    assert_eq!(
        (reply.status, reply.body["url"].as_str(), reply.body["campaign_id"].as_i64(), reply.body["enabled"].as_bool()),
        (StatusCode::OK, Some("https://crm.example.org/v2/herald"), Some(campaign), Some(false)),
        "{}",
        reply.body
    );
    let reply = api.call(Method::PATCH, &uri, &manager, Some(json!({"enabled": true}))).await;
    assert_eq!(reply.body["url"], "https://crm.example.org/v2/herald", "only what is sent changes");

    // A finished attempt of its campaign queues a delivery, listed with its state.
    api.store.insert_contacts(campaign, &[new_contact("+4930123456")]).await.unwrap();
    let claim = api.store.claim_due("node-1", campaign, 1, 30).await.unwrap().remove(0);
    let record = herald_store::AttemptRecord::for_claim(&claim, herald_types::Outcome::Busy);
    api.store.finish_attempt("node-1", &record, herald_store::ContactNext::Done).await.unwrap();
    let deliveries = format!("{uri}/deliveries");
    let listed = api.call(Method::GET, &deliveries, &manager, None).await;
    let delivery = &listed.body["items"][0];
    assert_eq!(
        (delivery["attempt_id"].as_i64(), delivery["tries"].as_i64(), delivery["failed"].as_bool()),
        (Some(claim.attempt_id), Some(0), Some(false)),
        "{}",
        listed.body
    );
    assert!(delivery["next_try_at"].is_string() && delivery["delivered_at"].is_null(), "{delivery}");
    let delivery_id = delivery["id"].as_i64().unwrap();

    // The endpoint kept failing until the deliverer gave up: it says why.
    let error = "HTTP 503 Service Unavailable";
    api.store.delivery_result(delivery_id, Some(503), Some(error), None).await.unwrap();
    let listed = api.call(Method::GET, &format!("{deliveries}?limit=1"), &manager, None).await;
    let delivery = &listed.body["items"][0];
    assert_eq!(
        (delivery["failed"].as_bool(), delivery["last_status"].as_i64(), delivery["last_error"].as_str()),
        (Some(true), Some(503), Some(error)),
        "{}",
        listed.body
    );
    assert!(delivery["next_try_at"].is_null(), "a given-up delivery is not tried again: {delivery}");

    // Retried: due now, its tries counted afresh, and the deliverers take it.
    let retry = format!("{deliveries}/{delivery_id}/retry");
    let reply = api.call(Method::POST, &retry, &manager, None).await;
    assert_eq!(
        (reply.status, reply.body["failed"].as_bool(), reply.body["tries"].as_i64()),
        (StatusCode::OK, Some(false), Some(0)),
        "{}",
        reply.body
    );
    let due = api.store.take_due_deliveries(10, 60).await.unwrap();
    assert_eq!(due.iter().map(|due| due.id).collect::<Vec<_>>(), [delivery_id]);
    // Once delivered there is nothing to retry.
    api.store.delivery_result(delivery_id, Some(204), None, None).await.unwrap();
    api.call(Method::POST, &retry, &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    let other = format!("{deliveries}/{}/retry", delivery_id + 1);
    api.call(Method::POST, &other, &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");

    api.assert_audited(&[("update", "webhook"), ("retry_delivery", "webhook")]).await;
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn caller_id_pools_are_renamed_and_removed_unless_a_campaign_uses_them(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let berlin =
        created(&api, &manager, "/api/v1/caller-id-pools", json!({"name": "Berlin", "strategy": "fixed"})).await;
    let hamburg = created(&api, &manager, "/api/v1/caller-id-pools", json!({"name": "Hamburg"})).await;
    let uri = |id: i64| format!("/api/v1/caller-id-pools/{id}");

    let body = json!({"name": "Berlin office", "strategy": "least_used"});
    let reply = api.call(Method::PATCH, &uri(berlin), &manager, Some(body)).await;
    assert_eq!(
        (reply.body["name"].as_str(), reply.body["strategy"].as_str()),
        (Some("Berlin office"), Some("least_used")),
        "{}",
        reply.body
    );
    let body = json!({"name": "Berlin office"});
    api.call(Method::PATCH, &uri(hamburg), &manager, Some(body)).await.expect(StatusCode::CONFLICT, "conflict");
    let reply = api.call(Method::PATCH, &uri(hamburg), &manager, Some(json!({"name": " ", "size": 3}))).await;
    assert_eq!(reply.body["error"]["fields"].as_object().unwrap().len(), 2, "{}", reply.body);
    let reply = api.call(Method::PATCH, &uri(hamburg), &manager, Some(json!({"strategy": "round_robin"}))).await;
    assert_eq!(reply.body["name"], "Hamburg", "only what is sent changes: {}", reply.body);

    // A campaign presents the Berlin numbers: that pool stays. The unused
    // one goes, with its numbers.
    created(&api, &manager, "/api/v1/campaigns", json!({"name": "c", "caller_id_pool_id": berlin})).await;
    api.call(Method::DELETE, &uri(berlin), &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    let number = format!("{}/numbers/%2B4940123456", uri(hamburg));
    assert_eq!(api.call(Method::PUT, &number, &manager, Some(json!({}))).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.call(Method::DELETE, &uri(hamburg), &manager, None).await.status, StatusCode::NO_CONTENT);
    api.call(Method::GET, &uri(hamburg), &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");
    api.call(Method::DELETE, &uri(hamburg), &manager, None).await.expect(StatusCode::NOT_FOUND, "not_found");
    let (numbers,): (i64,) = sqlx::query_as("SELECT count(*) FROM caller_ids").fetch_one(&api.pool).await.unwrap();
    assert_eq!(numbers, 0);

    // Audited under the name its creation was.
    api.assert_audited(&[("create", "caller_id_pool"), ("update", "caller_id_pool"), ("delete", "caller_id_pool")])
        .await;
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn lists_are_renamed_but_keep_their_kind_and_campaign(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let list = created(&api, &manager, "/api/v1/lists", json!({"name": "do not call", "kind": "black"})).await;
    let uri = format!("/api/v1/lists/{list}");

    let reply = api.call(Method::PATCH, &uri, &manager, Some(json!({"name": " complaints "}))).await;
    assert_eq!(
        (reply.status, reply.body["name"].as_str(), reply.body["kind"].as_str()),
        (StatusCode::OK, Some("complaints"), Some("black")),
        "{}",
        reply.body
    );
    // What the entries mean cannot change: the client is told so.
    let reply = api.call(Method::PATCH, &uri, &manager, Some(json!({"kind": "white", "campaign_id": 1}))).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let fields = reply.body["error"]["fields"].as_object().unwrap();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["campaign_id", "kind"], "{}", reply.body);
    assert!(fields.values().all(|message| message.as_str().unwrap().starts_with("cannot change")), "{}", reply.body);
    api.call(Method::PATCH, &uri, &manager, Some(json!({"name": ""})))
        .await
        .expect(StatusCode::BAD_REQUEST, "validation");
    api.call(Method::PATCH, &uri, &manager, Some(json!({}))).await.expect(StatusCode::BAD_REQUEST, "validation");

    // Opt-outs find the global opt-out list by its name: it keeps it, and
    // no other global blacklist takes it.
    let body = json!({"phone": "+12025550199"});
    assert_eq!(api.call(Method::POST, "/api/v1/opt-outs", &manager, Some(body)).await.status, StatusCode::CREATED);
    let opt_out = api.store.opt_out_list().await.unwrap();
    for (id, name) in [(opt_out, "opt-outs"), (list, "opt-out")] {
        let reply =
            api.call(Method::PATCH, &format!("/api/v1/lists/{id}"), &manager, Some(json!({"name": name}))).await;
        reply.expect(StatusCode::BAD_REQUEST, "validation");
        assert!(reply.body["error"]["fields"]["name"].as_str().unwrap().contains("opt-out"), "{}", reply.body);
    }

    api.assert_audited(&[("update", "list")]).await;
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn call_scripts_are_checked_at_their_fields_and_played_by_campaigns(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let wav = welcome_wav();
    let prompt = api.upload(Method::POST, "/api/v1/prompts?name=p&filename=p.wav", &manager, "audio/wav", &wav).await;
    let prompt_id = prompt.body["id"].as_i64().unwrap();

    // Every problem, at its place in the body.
    let bad = json!({"name": "", "body": {"on_machine": "leave_message", "steps": [
        {"type": "play", "prompt_id": 999},
        {"type": "say", "text": "Hi {{name"},
        {"type": "gather", "name": "confirm", "branches": {"12": [{"type": "pause", "ms": 0}]}}
    ]}});
    let reply = api.call(Method::POST, "/api/v1/scripts", &manager, Some(bad)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    let fields: Vec<&String> = reply.body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "body.steps[0].prompt_id",
            "body.steps[1].text",
            "body.steps[2].branches.12",
            "body.steps[2].branches.12[0].ms",
            "body.voicemail",
            "name"
        ],
        "{}",
        reply.body
    );
    let reply = api
        .call(
            Method::POST,
            "/api/v1/scripts",
            &manager,
            Some(json!({"name": "x", "body": {"steps": [{"type": "sing"}]}})),
        )
        .await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert!(reply.body["error"]["fields"]["body.steps[0].type"].as_str().unwrap().contains("sing"), "{}", reply.body);

    let body = json!({"steps": [
        {"type": "say", "text": "Hello {{first_name|there}}."},
        {"type": "play", "prompt_id": prompt_id},
        {"type": "gather", "name": "confirm", "prompt": [{"type": "say", "text": "Press 1."}],
         "branches": {"1": [{"type": "say", "text": "Thanks."}]}}
    ]});
    let reply =
        api.call(Method::POST, "/api/v1/scripts", &manager, Some(json!({"name": "Reminder", "body": body}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let script_id = reply.body["id"].as_i64().unwrap();
    // Stored with the model's defaults filled in.
    assert_eq!(reply.body["body"]["steps"][2]["max_digits"], 1, "{}", reply.body);
    assert_eq!(reply.body["body"]["on_machine"], "continue");
    let script_uri = format!("/api/v1/scripts/{script_id}");
    let reply = api.call(Method::PATCH, &script_uri, &manager, Some(json!({"name": "Appointment reminder"}))).await;
    assert_eq!(reply.body["name"], "Appointment reminder", "{}", reply.body);
    let list = api.call(Method::GET, "/api/v1/scripts", &manager, None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // A campaign that plays the script may start without a prompt.
    let trunk =
        api.call(Method::POST, "/api/v1/trunks", &manager, Some(json!({"name": "t", "host": "127.0.0.1"}))).await;
    let body = json!({"name": "scripted", "trunk_id": trunk.body["id"], "script_id": script_id});
    let campaign = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(body)).await;
    assert_eq!(campaign.body["script_id"], script_id, "{}", campaign.body);
    let start = format!("/api/v1/campaigns/{}/start", campaign.body["id"]);
    assert_eq!(api.call(Method::POST, &start, &manager, None).await.body["status"], "running");
    // In use: neither the script nor the prompt it plays can be removed.
    api.call(Method::DELETE, &script_uri, &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    let prompt_uri = format!("/api/v1/prompts/{prompt_id}");
    api.call(Method::DELETE, &prompt_uri, &manager, None).await.expect(StatusCode::CONFLICT, "conflict");
    let report = format!("/api/v1/campaigns/{}/report", campaign.body["id"]);
    let reply = api.call(Method::GET, &report, &manager, None).await;
    assert_eq!(
        (reply.body["answers"].clone(), reply.body["opted_out"].clone()),
        (json!([]), json!(0)),
        "{}",
        reply.body
    );
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn speech_previews_are_wav_as_the_call_carries_them(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let reply = api
        .send(
            Method::POST,
            "/api/v1/speech/preview",
            &manager,
            Some(("application/json", br#"{"text": "Hello there"}"#.to_vec())),
            client(1),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "audio/wav");
    let reply = api.call(Method::POST, "/api/v1/speech/preview", &manager, Some(json!({"text": " "}))).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert!(reply.body["error"]["fields"]["text"].is_string(), "{}", reply.body);
}

/// Every operation that takes a JSON body or query parameters (as the
/// OpenAPI document lists them) answers bad input with 400 and the field at
/// fault — on resources that exist, so that the input is what is judged.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_operation_with_input_answers_bad_input_with_field_errors(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let user = api.user("viewer@example.org", Role::Viewer).await;
    let admin = api.token(&admin).await;
    let trunk = created(&api, &admin, "/api/v1/trunks", json!({"name": "t", "host": "127.0.0.1"})).await;
    let group = created(&api, &admin, "/api/v1/trunk-groups", json!({"name": "g"})).await;
    let campaign = created(&api, &admin, "/api/v1/campaigns", json!({"name": "c"})).await;
    let list = created(&api, &admin, "/api/v1/lists", json!({"name": "l", "kind": "black"})).await;
    let caller_ids = created(&api, &admin, "/api/v1/caller-id-pools", json!({"name": "p", "strategy": "fixed"})).await;
    let script_body = json!({"name": "s", "body": {"steps": [{"type": "hangup"}]}});
    let script = created(&api, &admin, "/api/v1/scripts", script_body).await;
    let webhook = created(&api, &admin, "/api/v1/webhooks", json!({"url": "https://crm.example.org/hook"})).await;

    // (method, documented path, the request's path and query, JSON body, the field at fault)
    let cases: Vec<(&str, &str, String, Option<Value>, &str)> = vec![
        ("post", "/auth/login", "/auth/login".into(), Some(json!({"email": "a@b.org"})), "password"),
        ("get", "/audit", "/audit?entity_id=x".into(), None, "entity_id"),
        (
            "post",
            "/caller-id-pools",
            "/caller-id-pools".into(),
            Some(json!({"name": "q", "strategy": "random"})),
            "strategy",
        ),
        (
            "patch",
            "/caller-id-pools/{id}",
            format!("/caller-id-pools/{caller_ids}"),
            Some(json!({"strategy": "random"})),
            "strategy",
        ),
        (
            "put",
            "/caller-id-pools/{id}/numbers/{number}",
            format!("/caller-id-pools/{caller_ids}/numbers/%2B12025550100"),
            Some(json!({"daily_cap": 0})),
            "daily_cap",
        ),
        ("get", "/campaigns", "/campaigns?status=sleeping".into(), None, "status"),
        ("post", "/campaigns", "/campaigns".into(), Some(json!({"name": "d", "timezone": "Mars/Olympus"})), "timezone"),
        (
            "patch",
            "/campaigns/{id}",
            format!("/campaigns/{campaign}"),
            Some(json!({"max_attempts": 0})),
            "max_attempts",
        ),
        ("get", "/campaigns/{id}/attempts", format!("/campaigns/{campaign}/attempts?limit=0"), None, "limit"),
        (
            "get",
            "/campaigns/{id}/attempts.csv",
            format!("/campaigns/{campaign}/attempts.csv?outcome=bogus"),
            None,
            "outcome",
        ),
        ("post", "/campaigns/{id}/imports", format!("/campaigns/{campaign}/imports"), Some(json!({})), "phone_column"),
        ("get", "/events", "/events?campaign=x".into(), None, "campaign"),
        ("post", "/lists", "/lists".into(), Some(json!({"name": "m", "kind": "grey"})), "kind"),
        ("patch", "/lists/{id}", format!("/lists/{list}"), Some(json!({"kind": "white"})), "kind"),
        ("get", "/lists/{id}/entries", format!("/lists/{list}/entries?limit=0"), None, "limit"),
        ("post", "/lists/{id}/entries", format!("/lists/{list}/entries"), Some(json!({"pattern": "abc"})), "pattern"),
        ("post", "/opt-outs", "/opt-outs".into(), Some(json!({"phone": "123"})), "phone"),
        ("post", "/prompts", "/prompts?name=&filename=p.txt".into(), None, "filename"),
        ("post", "/scripts", "/scripts".into(), Some(json!({"name": "t", "body": {"steps": []}})), "body.steps"),
        (
            "patch",
            "/scripts/{id}",
            format!("/scripts/{script}"),
            Some(json!({"body": {"steps": [{"type": "pause", "ms": 0}]}})),
            "body.steps[0].ms",
        ),
        ("post", "/speech/preview", "/speech/preview".into(), Some(json!({"text": 5})), "text"),
        ("get", "/tokens", "/tokens?user_id=me".into(), None, "user_id"),
        ("post", "/tokens", "/tokens".into(), Some(json!({"name": ""})), "name"),
        ("post", "/trunk-groups", "/trunk-groups".into(), Some(json!({"name": "h", "strategy": "random"})), "strategy"),
        ("patch", "/trunk-groups/{id}", format!("/trunk-groups/{group}"), Some(json!({"strategy": "x"})), "strategy"),
        (
            "put",
            "/trunk-groups/{id}/members/{trunk_id}",
            format!("/trunk-groups/{group}/members/{trunk}"),
            Some(json!({"weight": 0})),
            "weight",
        ),
        ("post", "/trunks", "/trunks".into(), Some(json!({"name": "u", "host": "h", "port": 0})), "port"),
        ("patch", "/trunks/{id}", format!("/trunks/{trunk}"), Some(json!({"transport": "sctp"})), "transport"),
        ("post", "/users", "/users".into(), Some(json!({"email": "x"})), "email"),
        ("patch", "/users/{id}", format!("/users/{}", user.id), Some(json!({"role": "root"})), "role"),
        ("post", "/webhooks", "/webhooks".into(), Some(json!({"url": "ftp://example.org/hook"})), "url"),
        ("patch", "/webhooks/{id}", format!("/webhooks/{webhook}"), Some(json!({"url": "http://10.0.0.1/"})), "url"),
        ("get", "/webhooks/{id}/deliveries", format!("/webhooks/{webhook}/deliveries?limit=0"), None, "limit"),
    ];
    for (method, _, uri, body, field) in &cases {
        let uri = format!("/api/v1{uri}");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let reply = if uri.starts_with("/api/v1/prompts") {
            api.upload(method.clone(), &uri, &admin, "audio/wav", &welcome_wav()).await
        } else {
            api.call(method.clone(), &uri, &admin, body.clone()).await
        };
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "validation"),
            "{method} {uri}: {}",
            reply.body
        );
        assert!(
            reply.body["error"]["fields"][field].is_string(),
            "{method} {uri}: no error on {field}: {}",
            reply.body
        );
    }

    // The table covers every operation the document says takes input
    // (CSV uploads are judged row by row, not refused: see the import tests).
    let document = api.call(Method::GET, "/api/openapi.json", &admin, None).await.body;
    let covered: std::collections::BTreeSet<(String, String)> =
        cases.iter().map(|(method, path, ..)| (method.to_string(), format!("/api/v1{path}"))).collect();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let json_body = operation["requestBody"]["content"].get("application/json").is_some();
            let raw_only = operation["requestBody"]["content"].get("text/csv").is_some();
            let query = operation["parameters"]
                .as_array()
                .is_some_and(|parameters| parameters.iter().any(|p| p["in"] == "query"));
            if (json_body || query) && !raw_only {
                assert!(covered.contains(&(method.clone(), path.clone())), "no bad-input case for {method} {path}");
            }
        }
    }
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

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn campaigns_may_call_in_each_countrys_default_hours(pool: PgPool) {
    let api = Api::new(pool);
    let manager = api.user("manager@example.org", Role::Manager).await;
    let manager = api.token(&manager).await;
    let defaults = api.call(Method::GET, "/api/v1/calling-hours/defaults", &manager, None).await;
    let codes: Vec<i64> =
        defaults.body["items"].as_array().unwrap().iter().map(|item| item["country_code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [1, 7, 33, 0], "{}", defaults.body);
    assert_eq!(defaults.body["items"][2]["window"]["mon"], json!(["10:00-13:00", "14:00-20:00"]), "{}", defaults.body);

    let window = json!({"country_defaults": true, "blackout_dates": ["2026-12-24"]});
    let campaign = api
        .call(Method::POST, "/api/v1/campaigns", &manager, Some(json!({"name": "c", "calling_window": window})))
        .await;
    assert_eq!(campaign.status, StatusCode::CREATED, "{}", campaign.body);
    let bad = json!({"name": "d", "calling_window": {"country_defaults": true, "mon": ["09:00-17:00"]}});
    let reply = api.call(Method::POST, "/api/v1/campaigns", &manager, Some(bad)).await;
    reply.expect(StatusCode::BAD_REQUEST, "validation");
    assert!(reply.body["error"]["fields"]["calling_window"].is_string(), "{}", reply.body);
    // Imported contacts wait for their own country's hours.
    let imports = format!("/api/v1/campaigns/{}/imports", campaign.body["id"]);
    let import = api.call(Method::POST, &imports, &manager, Some(json!({"phone_column": "phone"}))).await;
    let data = format!("/api/v1/imports/{}/data", import.body["id"]);
    let reply = api.upload(Method::PUT, &data, &manager, "text/csv", b"phone\n+33612345678\n+4930123456\n").await;
    assert_eq!(reply.body["imported"], 2, "{}", reply.body);
}
