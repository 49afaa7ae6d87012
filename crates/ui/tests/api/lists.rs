//! Black and white lists: search, upload, opt-in, renames.

use super::*;

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
