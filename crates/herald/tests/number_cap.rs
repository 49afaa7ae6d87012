//! At most `talker.max_calls_per_number_per_day` calls to one number in any
//! 24 hours, across all campaigns.

mod support;

use std::time::Duration;

use herald_store::Store;
use herald_talker::{Talker, TalkerMetrics};
use sqlx::PgPool;
use support::{CampaignSpec, SippCarrier, TestPrompt, running_campaign, test_talker_config, wait_until_done};
use tokio_util::sync::CancellationToken;

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_second_campaign_does_not_call_the_same_number_the_same_day(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(300);
    // Both campaigns call the same test numbers (test_phone(0) and (1)).
    let first = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 2, &prompt)).await;
    let mut config = test_talker_config();
    config.max_calls_per_number_per_day = 1;
    let shutdown = CancellationToken::new();
    let talker = Talker::build("cap-test".into(), config, store.clone(), None, TalkerMetrics::default()).await.unwrap();
    let running = tokio::spawn(talker.run(shutdown.clone()));
    let summary = wait_until_done(&store, first.id, Duration::from_secs(30)).await;
    assert_eq!(summary.outcomes.get("answered"), Some(&2), "{summary:?}");

    let second = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 2, &prompt)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (deferred,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM decisions WHERE campaign_id = $1 AND reason = 'number_daily_cap'")
                .bind(second.id)
                .fetch_one(&pool)
                .await
                .unwrap();
        if deferred == 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the second campaign's contacts were not deferred");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    running.await.unwrap().unwrap();

    // Deferred to 24 h after the first call, and never dialed today.
    let rows: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT c.next_eligible_at, a.created_at FROM contacts c \
         JOIN attempts a ON a.phone = c.phone AND a.campaign_id = $2 \
         WHERE c.campaign_id = $1",
    )
    .bind(second.id)
    .bind(first.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for (next_eligible_at, first_call) in rows {
        assert_eq!(next_eligible_at, first_call + chrono::Duration::days(1));
    }
    let (second_attempts,): (i64,) = sqlx::query_as("SELECT count(*) FROM attempts WHERE campaign_id = $1")
        .bind(second.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(second_attempts, 0);
    let invites = carrier.messages().iter().filter(|message| message.method() == Some("INVITE")).count();
    assert_eq!(invites, 2, "only the first campaign's calls reached the carrier");
}
