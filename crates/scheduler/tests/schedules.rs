//! The Scheduler starts, pauses and stops campaigns by their schedules, and
//! a manager's manual action wins until the schedule's next event.

use std::time::Duration;

use chrono::Utc;
use herald_config::SchedulerConfig;
use herald_scheduler::Scheduler;
use herald_store::{CampaignStatus, NewCampaign, Store};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

async fn campaign(store: &Store) -> i64 {
    let id = store
        .create_campaign(&NewCampaign {
            name: "scheduled".into(),
            prompt_id: None,
            trunk_id: None,
            caller_id: None,
            max_attempts: 1,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await
        .unwrap()
        .id;
    // One contact due next year, so that a running campaign is not complete.
    let contact = herald_store::NewContact {
        phone: herald_types::E164::parse("+4930123456").unwrap(),
        tags: serde_json::json!({}),
        timezone: None,
        import_line: None,
        next_eligible_at: Some(Utc::now() + chrono::Duration::days(365)),
    };
    store.insert_contacts(id, &[contact]).await.unwrap();
    id
}

async fn status(store: &Store, id: i64) -> String {
    store.campaign(id).await.unwrap().status
}

async fn wait_for_status(store: &Store, id: i64, wanted: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while status(store, id).await != wanted {
        assert!(std::time::Instant::now() < deadline, "campaign {id} never became {wanted}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn dates_start_and_stop_a_campaign_and_a_manual_pause_wins(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let scheduler =
        Scheduler::new("test".into(), SchedulerConfig { tick_ms: 100, ..SchedulerConfig::default() }, store.clone());
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(scheduler.run(shutdown.clone()));

    // Starts one second from now, ends three seconds later.
    let id = campaign(&store).await;
    let starts_at = Utc::now() + chrono::Duration::seconds(1);
    let ends_at = starts_at + chrono::Duration::seconds(3);
    sqlx::query("UPDATE campaigns SET starts_at = $2, ends_at = $3 WHERE id = $1")
        .bind(id)
        .bind(starts_at)
        .bind(ends_at)
        .execute(&pool)
        .await
        .unwrap();
    store.set_campaign_status(id, CampaignStatus::Scheduled, "manager@example.org").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(status(&store, id).await, "scheduled", "not before its start date");
    wait_for_status(&store, id, "running").await;

    // The manager pauses it: the schedule has no later start, so it stays paused…
    store.set_campaign_status(id, CampaignStatus::Paused, "manager@example.org").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(status(&store, id).await, "paused", "the manual pause wins");
    // …until the end date, which stops it for good.
    wait_for_status(&store, id, "stopped").await;

    let actions: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT actor, details FROM audit_log WHERE entity_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    let by_scheduler: Vec<&serde_json::Value> =
        actions.iter().filter(|(actor, _)| actor.starts_with("system:scheduler")).map(|(_, details)| details).collect();
    assert_eq!(
        by_scheduler,
        [
            &serde_json::json!({"from": "scheduled", "to": "running"}),
            &serde_json::json!({"from": "paused", "to": "stopped"})
        ]
    );
    shutdown.cancel();
    running.await.unwrap();
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_stop_cron_pauses_a_running_campaign(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let id = campaign(&store).await;
    // Stop every minute, never start again: the latest event is a stop.
    sqlx::query("UPDATE campaigns SET schedule_stop_cron = '* * * * *', timezone = 'Europe/Berlin' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    // Started by hand a minute ago (the override is older than the last stop fire).
    store.set_campaign_status(id, CampaignStatus::Running, "manager@example.org").await.unwrap();
    sqlx::query("UPDATE campaigns SET schedule_override_at = now() - interval '2 minutes' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let scheduler =
        Scheduler::new("test".into(), SchedulerConfig { tick_ms: 100, ..SchedulerConfig::default() }, store.clone());
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(scheduler.run(shutdown.clone()));
    wait_for_status(&store, id, "paused").await;
    shutdown.cancel();
    running.await.unwrap();
}
