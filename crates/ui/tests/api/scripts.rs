//! Call scripts: checked at their fields, played by campaigns, spoken as previews.

use super::*;

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
