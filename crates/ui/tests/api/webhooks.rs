//! Webhooks: secrets shown once, changes, deliveries and retries.

use super::*;

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
