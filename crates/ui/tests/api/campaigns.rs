//! Campaigns through the API: set up, run, summarised, and called in each country's hours.

use super::*;

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
