//! Caller-ID pools: numbers with caps, renames, removal.

use super::*;

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
