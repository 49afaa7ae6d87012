//! Every change is audited.

use super::*;

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
