//! Caller-ID pools at dial time, against a SIPp carrier: the pool's strategy
//! picks the number each INVITE presents (From), and a pool whose numbers
//! are all at their daily cap defers the contacts instead of dialing them.

mod support;

use std::time::Duration;

use herald_store::{Actor, Store};
use herald_talker::{Talker, TalkerMetrics};
use sqlx::PgPool;
use support::{
    CampaignSpec, SippCarrier, TestPrompt, running_campaign, spawn_talkers, test_talker_config, wait_until_done,
};
use tokio_util::sync::CancellationToken;

async fn pool_with(store: &Store, strategy: &str, numbers: &[(&str, Option<i32>)]) -> i64 {
    let actor = Actor::system("test");
    let herald_store::Change::Done(pool) = store.add_caller_id_pool(strategy, strategy, &actor).await.unwrap() else {
        panic!("pool name taken")
    };
    for (number, cap) in numbers {
        store.put_caller_id(pool.id, number, *cap, true, &actor).await.unwrap();
    }
    pool.id
}

async fn use_pool(pool: &PgPool, campaign_id: i64, pool_id: i64) {
    sqlx::query("UPDATE campaigns SET caller_id_pool_id = $2, caller_id = NULL WHERE id = $1")
        .bind(campaign_id)
        .bind(pool_id)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn round_robin_presents_each_number_in_turn(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(200);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 4, &prompt)).await;
    let pool_id = pool_with(&store, "round_robin", &[("+4930111111", None), ("+4930222222", None)]).await;
    use_pool(&pool, campaign.id, pool_id).await;

    let shutdown = CancellationToken::new();
    let talker = Talker::build("ani-test".into(), test_talker_config(), store.clone(), None, TalkerMetrics::default())
        .await
        .unwrap();
    let running = tokio::spawn(talker.run(shutdown.clone()));
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(30)).await;
    shutdown.cancel();
    running.await.unwrap().unwrap();
    assert_eq!(summary.outcomes.get("answered"), Some(&4), "{summary:?}");

    let used: Vec<(String, i64)> =
        sqlx::query_as("SELECT caller_id, count(*) FROM attempts WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(used, [("+4930111111".to_owned(), 2), ("+4930222222".to_owned(), 2)]);
    // What the carrier saw in From.
    let mut presented: Vec<String> = carrier
        .messages()
        .iter()
        .filter(|message| message.method() == Some("INVITE"))
        .filter_map(|message| message.header("From").map(str::to_owned))
        .collect();
    presented.dedup();
    assert_eq!(presented.len(), 4, "{presented:?}");
    assert_eq!(presented.iter().filter(|from| from.contains("+4930111111")).count(), 2, "{presented:?}");
    assert_eq!(presented.iter().filter(|from| from.contains("+4930222222")).count(), 2, "{presented:?}");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_pool_at_its_daily_cap_defers_the_contacts(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(200);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 3, &prompt)).await;
    let pool_id = pool_with(&store, "fixed", &[("+4930111111", Some(1))]).await;
    use_pool(&pool, campaign.id, pool_id).await;

    let shutdown = CancellationToken::new();
    let talkers = spawn_talkers(&store, "ani-cap-test", 1, None, &shutdown).await;
    wait_for_exhausted_pool(&pool, campaign.id, 2).await;
    shutdown.cancel();
    for talker in talkers {
        talker.await.unwrap().unwrap();
    }
    let (attempts,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM attempts WHERE campaign_id = $1 AND outcome IS NOT NULL")
            .bind(campaign.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1, "one call presented the number, up to its cap");
    let invites = carrier.messages().iter().filter(|message| message.method() == Some("INVITE")).count();
    assert_eq!(invites, 1);
}

/// Two Talkers sharing Redis hold a number's daily cap between them: the
/// count is kept in Redis, not only per node until the next reload.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_daily_cap_holds_across_talkers(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(200);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 8, &prompt)).await;
    // A number of this run only: Redis keeps a number's count for the day.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let number = format!("+4930{:09}", nanos % 1_000_000_000);
    let pool_id = pool_with(&store, "fixed", &[(number.as_str(), Some(3))]).await;
    use_pool(&pool, campaign.id, pool_id).await;

    let mut redis = herald_config::load(None).expect("configuration from the environment").redis;
    redis.timeout_ms = 2000;
    let shutdown = CancellationToken::new();
    let talkers = spawn_talkers(&store, "ani-cluster", 2, Some(&redis), &shutdown).await;
    wait_for_exhausted_pool(&pool, campaign.id, 5).await;
    shutdown.cancel();
    for talker in talkers {
        talker.await.unwrap().unwrap();
    }
    let invites = carrier.messages().iter().filter(|message| message.method() == Some("INVITE")).count();
    assert_eq!(invites, 3, "the number presented exactly its cap of 3 calls across both nodes");
}

/// Waits until `contacts` of the campaign were deferred for want of a
/// caller ID (30 s at most).
async fn wait_for_exhausted_pool(pool: &PgPool, campaign_id: i64, contacts: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (deferred,): (i64,) = sqlx::query_as(
            "SELECT count(DISTINCT contact_id) FROM decisions WHERE campaign_id = $1 AND reason = 'caller_ids_exhausted'",
        )
        .bind(campaign_id)
        .fetch_one(pool)
        .await
        .unwrap();
        if deferred == contacts {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{deferred} contacts deferred for want of a caller ID, not {contacts}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
