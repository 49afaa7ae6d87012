//! Which role each route needs, from the route table, and that lower roles are refused.

use super::*;

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
