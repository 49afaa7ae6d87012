//! Trunk groups order trunks for campaigns.

use super::*;

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
