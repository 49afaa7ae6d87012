//! Sign-in, sessions, CSRF, tokens, users, and the peer address behind proxies.

use super::*;

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
