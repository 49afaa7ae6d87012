//! Bad input is a 400 with field errors, a missing resource a 404: never a 5xx.

use super::*;

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

/// Postgres out of reach is "something really down": 503 `unavailable`,
/// never a 500, for the API and for readiness.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn an_unreachable_database_is_a_503(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;
    // The same service, its database on a port where nothing listens.
    let gone = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/gone")
        .unwrap();
    let down = Api::new(gone);
    for uri in ["/api/v1/campaigns", "/api/v1/trunks"] {
        down.call(Method::GET, uri, &admin, None).await.expect(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    }
    let ready = down.call(Method::GET, "/readyz", &Credentials::None, None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}
