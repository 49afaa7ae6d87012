//! The calling window is re-checked when a Talker is about to dial: a
//! contact outside its local hours is not called but deferred to the
//! window's next opening.

mod support;

use std::time::Duration;

use chrono::{Timelike, Utc};
use herald_store::Store;
use herald_talker::{Talker, TalkerMetrics};
use sqlx::PgPool;
use support::{CampaignSpec, SippCarrier, TestPrompt, running_campaign, test_talker_config, wait_until_done};
use tokio_util::sync::CancellationToken;

/// Sets a campaign's calling window.
async fn set_window(pool: &PgPool, campaign_id: i64, window: &serde_json::Value) {
    sqlx::query("UPDATE campaigns SET calling_window = $2 WHERE id = $1")
        .bind(campaign_id)
        .bind(window)
        .execute(pool)
        .await
        .unwrap();
}

/// Starts an in-process Talker; cancel the token to drain it.
async fn start_talker(
    store: &Store,
    shutdown: &CancellationToken,
) -> tokio::task::JoinHandle<herald_talker::Result<()>> {
    let talker =
        Talker::build("window-test".into(), test_talker_config(), store.clone(), None, TalkerMetrics::default())
            .await
            .unwrap();
    tokio::spawn(talker.run(shutdown.clone()))
}

/// A window open one hour a day, twelve hours from now (UTC).
fn window_twelve_hours_away() -> (serde_json::Value, chrono::DateTime<Utc>) {
    let now = Utc::now();
    let start = (now.hour() + 12) % 24;
    let hours = if start == 23 { "23:00-24:00".to_owned() } else { format!("{start:02}:00-{:02}:00", start + 1) };
    let every_day: serde_json::Map<String, serde_json::Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| (day.to_string(), serde_json::json!([hours])))
        .collect();
    let today_start = now.date_naive().and_hms_opt(start, 0, 0).unwrap().and_utc();
    let opens = if today_start > now { today_start } else { today_start + chrono::Duration::days(1) };
    (serde_json::Value::Object(every_day), opens)
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn contacts_outside_their_window_are_deferred_not_dialed(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(300);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 3, &prompt)).await;
    let (window, opens) = window_twelve_hours_away();
    set_window(&pool, campaign.id, &window).await;
    // Explicit zones: the window is read in UTC.
    sqlx::query("UPDATE contacts SET timezone = 'UTC' WHERE campaign_id = $1")
        .bind(campaign.id)
        .execute(&pool)
        .await
        .unwrap();

    let shutdown = CancellationToken::new();
    let running = start_talker(&store, &shutdown).await;
    // The Talker claims the due contacts and must give them all back.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let deferred: (i64,) = sqlx::query_as(
            "SELECT count(*) FROM contacts WHERE campaign_id = $1 AND state = 'queued' AND next_eligible_at > now()",
        )
        .bind(campaign.id)
        .fetch_one(&pool)
        .await
        .unwrap();
        if deferred.0 == 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "contacts were not deferred");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    shutdown.cancel();
    running.await.unwrap().unwrap();

    let rows: Vec<(i64, chrono::DateTime<Utc>, i32)> =
        sqlx::query_as("SELECT id, next_eligible_at, attempts_made FROM contacts WHERE campaign_id = $1")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    for (contact_id, next_eligible_at, attempts_made) in rows {
        assert_eq!(next_eligible_at, opens, "deferred to the window's next opening");
        assert_eq!(attempts_made, 0);
        // The decision log says why the contact was not called.
        let history = store.contact_history(contact_id).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!((history[0].kind.as_str(), history[0].detail.as_str()), ("deferred", "outside_window"));
        assert_eq!(history[0].until, Some(opens));
    }
    let attempts: (i64,) = sqlx::query_as("SELECT count(*) FROM attempts WHERE campaign_id = $1")
        .bind(campaign.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts.0, 0, "no attempt was recorded");
    assert!(
        !carrier.messages().iter().any(|message| message.method() == Some("INVITE")),
        "the carrier received an INVITE outside the window"
    );
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn contacts_inside_their_window_are_dialed(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(300);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 2, &prompt)).await;
    let every_hour: serde_json::Map<String, serde_json::Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| (day.to_string(), serde_json::json!(["00:00-24:00"])))
        .collect();
    set_window(&pool, campaign.id, &serde_json::Value::Object(every_hour)).await;
    let shutdown = CancellationToken::new();
    let running = start_talker(&store, &shutdown).await;
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(30)).await;
    shutdown.cancel();
    running.await.unwrap().unwrap();
    assert_eq!(summary.outcomes.get("answered"), Some(&2), "{summary:?}");
}
