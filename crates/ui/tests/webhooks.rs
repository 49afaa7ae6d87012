//! Webhooks end to end against real PostgreSQL and a real HTTP receiver:
//! recording an attempt queues a delivery, the deliverer POSTs it signed,
//! a failed delivery is retried, a webhook for another campaign hears
//! nothing, a disabled one's deliveries wait, and one given up is sent
//! again when a manager retries it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use herald_store::{Actor, AttemptRecord, Change, ContactNext, NewCampaign, NewContact, Store, WebhookDelivery};
use herald_types::Outcome;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// What the receiver saw: (signature header, body).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An HTTP receiver that fails its first request with 500.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let recorded = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let recorded = Arc::clone(&recorded);
            async move {
                let mut seen = recorded.lock().unwrap();
                let signature =
                    headers.get("x-herald-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                seen.push((signature, body));
                if seen.len() == 1 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn campaign_with_contact(store: &Store, name: &str) -> i64 {
    let campaign = store
        .create_campaign(&NewCampaign {
            name: name.into(),
            prompt_id: None,
            trunk_id: None,
            caller_id: None,
            max_attempts: 1,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await
        .unwrap();
    let contact = NewContact {
        phone: herald_types::E164::parse("+4930123456").unwrap(),
        tags: serde_json::json!({}),
        timezone: None,
        import_line: None,
        next_eligible_at: None,
    };
    store.insert_contacts(campaign.id, &[contact]).await.unwrap();
    campaign.id
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn finished_attempts_are_posted_signed_and_retried(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let (url, seen) = receiver().await;
    let campaign = campaign_with_contact(&store, "hooked").await;
    let other = campaign_with_contact(&store, "other").await;
    let actor = Actor::system("test");
    let secret = "a secret of some length";
    let Change::Done(_) = store.add_webhook(&url, secret, Some(campaign), &actor).await.unwrap() else { panic!() };
    // A webhook for the other campaign only: it must hear nothing.
    let Change::Done(quiet) = store.add_webhook(&url, secret, Some(other), &actor).await.unwrap() else { panic!() };

    let claim = store.claim_due("node-1", campaign, 1, 30).await.unwrap().remove(0);
    let mut record = AttemptRecord::for_claim(&claim, Outcome::Answered);
    record.sip_code = Some(200);
    store.finish_attempt("node-1", &record, ContactNext::Done).await.unwrap();

    let shutdown = CancellationToken::new();
    tokio::spawn(herald_webhooks::Deliverer::new(store.clone(), true).run(shutdown.clone()));
    let wait_for = |count: usize| {
        let seen = Arc::clone(&seen);
        async move {
            for _ in 0..100 {
                if seen.lock().unwrap().len() >= count {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("{count} deliveries did not arrive");
        }
    };
    wait_for(1).await;
    // The receiver failed it: the retry is due in 5 s; bring it forward.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (tries, status): (i32, Option<i32>) =
        sqlx::query_as("SELECT tries, last_status FROM webhook_deliveries").fetch_one(&pool).await.unwrap();
    assert_eq!((tries, status), (1, Some(500)));
    sqlx::query("UPDATE webhook_deliveries SET next_try_at = now()").execute(&pool).await.unwrap();
    wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shutdown.cancel();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one failure, one success, nothing for the other campaign");
    for (signature, body) in &seen {
        assert_eq!(signature, &format!("sha256={}", herald_webhooks::signature(secret.as_bytes(), body.as_bytes())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["event"], "attempt.finished");
        assert_eq!(body["attempt"]["id"], claim.attempt_id);
        assert_eq!(
            (body["attempt"]["outcome"].as_str(), body["attempt"]["sip_code"].as_i64()),
            (Some("answered"), Some(200))
        );
    }
    let delivered: (i64,) = sqlx::query_as("SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(delivered.0, 1);
    let listed = store.webhooks().await.unwrap();
    let hooked = listed.iter().find(|webhook| webhook.id != quiet).unwrap();
    assert_eq!((hooked.delivered, hooked.pending, hooked.failed), (1, 0, 0));
}

/// The webhook's latest delivery, once `ready` holds for it (10 s at most).
async fn latest_delivery_once(
    store: &Store,
    webhook: i64,
    ready: impl Fn(&WebhookDelivery) -> bool,
) -> WebhookDelivery {
    for _ in 0..100 {
        if let Some(delivery) = store.webhook_deliveries(webhook, 1).await.unwrap().pop()
            && ready(&delivery)
        {
            return delivery;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivery did not get there");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn disabled_webhooks_hold_their_deliveries_and_retried_ones_are_sent_again(pool: PgPool) {
    let store = Store::from_pool(pool);
    let (url, seen) = receiver().await;
    let campaign = campaign_with_contact(&store, "hooked").await;
    let actor = Actor::system("test");
    let Change::Done(webhook) =
        store.add_webhook(&url, "a secret of some length", Some(campaign), &actor).await.unwrap()
    else {
        panic!()
    };
    let claim = store.claim_due("node-1", campaign, 1, 30).await.unwrap().remove(0);
    let record = AttemptRecord::for_claim(&claim, Outcome::Busy);
    store.finish_attempt("node-1", &record, ContactNext::Done).await.unwrap();

    // Disabled after the delivery was queued: it waits, neither sent nor given up.
    let disabled = store.update_webhook(webhook, &url, Some(campaign), false, &actor).await.unwrap();
    assert!(matches!(disabled, Change::Done(ref webhook) if !webhook.enabled && webhook.pending == 1));
    assert!(store.take_due_deliveries(10, 60).await.unwrap().is_empty());
    store.update_webhook(webhook, &url, Some(campaign), true, &actor).await.unwrap();

    // Enabled again, it is sent; the receiver fails it.
    let shutdown = CancellationToken::new();
    tokio::spawn(herald_webhooks::Deliverer::new(store.clone(), true).run(shutdown.clone()));
    let delivery = latest_delivery_once(&store, webhook, |delivery| delivery.last_status == Some(500)).await;
    // Had that been its last try, the deliverer would have given up so.
    store.delivery_result(delivery.id, Some(500), Some("HTTP 500 Internal Server Error"), None).await.unwrap();
    let given_up = latest_delivery_once(&store, webhook, |delivery| delivery.failed).await;
    assert_eq!(given_up.next_try_at, None);

    // A manager retries it: sent again at once, and delivered.
    let Change::Done(retried) = store.retry_delivery(webhook, delivery.id, &actor).await.unwrap() else { panic!() };
    assert_eq!((retried.tries, retried.failed, retried.last_status), (0, false, Some(500)));
    let delivered = latest_delivery_once(&store, webhook, |delivery| delivery.delivered_at.is_some()).await;
    assert_eq!((delivered.tries, delivered.last_status, delivered.next_try_at), (1, Some(204), None));
    assert_eq!(seen.lock().unwrap().len(), 2);
    let again = store.retry_delivery(webhook, delivery.id, &actor).await.unwrap();
    assert!(matches!(again, Change::Conflict(_)), "{again:?}");
    shutdown.cancel();
}
