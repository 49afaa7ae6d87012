//! Trunk groups at dial time, against two SIPp carriers: a call that the
//! first trunk fails with 503 is placed on the next within the same attempt,
//! a trunk that keeps failing is skipped (circuit breaker), and prefix
//! routing sends numbers to the trunk that serves them.

mod support;

use std::time::Duration;

use herald_store::{Actor, Change, NewTrunk, Store, TrunkGroupMember};
use herald_talker::{Talker, TalkerMetrics};
use sqlx::PgPool;
use support::{CampaignSpec, SippCarrier, TestPrompt, running_campaign, test_talker_config, wait_until_done};
use tokio_util::sync::CancellationToken;

async fn group_of(store: &Store, strategy: &str, members: &[(i64, i32, &[&str])]) -> i64 {
    let actor = Actor::system("test");
    let Change::Done(group) = store.add_trunk_group(strategy, strategy, &actor).await.unwrap() else { panic!() };
    for (trunk_id, position, prefixes) in members {
        let member = TrunkGroupMember {
            trunk_id: *trunk_id,
            position: *position,
            weight: 1,
            prefixes: prefixes.iter().map(|prefix| (*prefix).to_owned()).collect(),
        };
        assert_eq!(store.put_trunk_group_member(group.id, &member, &actor).await.unwrap(), Change::Done(()));
    }
    group.id
}

async fn route_through(pool: &PgPool, campaign_id: i64, group_id: i64) {
    sqlx::query("UPDATE campaigns SET trunk_group_id = $2, trunk_id = NULL WHERE id = $1")
        .bind(campaign_id)
        .bind(group_id)
        .execute(pool)
        .await
        .unwrap();
}

async fn add_trunk(store: &Store, name: &str, carrier: &SippCarrier) -> i64 {
    let address = carrier.sip_addr();
    store.create_trunk(&NewTrunk::udp(name, &address.ip().to_string(), address.port())).await.unwrap().id
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_failing_trunk_fails_over_within_the_attempt_then_is_skipped(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let failing = SippCarrier::start("uas_503.xml", &[]);
    let healthy = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(200);
    // 8 contacts, one line at a time so that the breaker's count is exact.
    let mut spec = CampaignSpec::new(failing.sip_addr(), 8, &prompt);
    spec.max_lines = 1;
    let campaign = running_campaign(&store, &spec).await;
    let failing_id: (i64,) = sqlx::query_as("SELECT trunk_id FROM campaigns WHERE id = $1")
        .bind(campaign.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let healthy_id = add_trunk(&store, "healthy", &healthy).await;
    let group = group_of(&store, "ordered", &[(failing_id.0, 0, &[]), (healthy_id, 1, &[])]).await;
    route_through(&pool, campaign.id, group).await;

    let mut config = test_talker_config();
    config.max_calls = 1;
    let shutdown = CancellationToken::new();
    let talker =
        Talker::build("route-test".into(), config, store.clone(), None, TalkerMetrics::default()).await.unwrap();
    let running = tokio::spawn(talker.run(shutdown.clone()));
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(60)).await;
    shutdown.cancel();
    running.await.unwrap().unwrap();

    // Every contact answered, on the healthy trunk, in one attempt each.
    assert_eq!(summary.outcomes.get("answered"), Some(&8), "{summary:?}");
    let rows: Vec<(i32, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT attempt_no, trunk_id, sip_reason FROM attempts WHERE campaign_id = $1 ORDER BY id")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|(attempt_no, trunk, _)| *attempt_no == 1 && *trunk == Some(healthy_id)), "{rows:?}");
    let failed_over =
        rows.iter().filter(|(_, _, reason)| reason.as_deref().is_some_and(|r| r.contains("failing over"))).count();
    // The failing trunk was tried until its breaker opened (5 failures in a
    // row), then skipped.
    assert_eq!(failed_over, 5, "{rows:?}");
    let invites =
        |carrier: &SippCarrier| carrier.messages().iter().filter(|message| message.method() == Some("INVITE")).count();
    assert_eq!(invites(&failing), 5);
    assert_eq!(invites(&healthy), 8);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn prefixes_route_numbers_to_the_trunk_that_serves_them(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let general = SippCarrier::start("uas_answer.xml", &[]);
    let special = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(200);
    // Test numbers are +1202555NNNN: +12025550000 … +12025550009.
    let campaign = running_campaign(&store, &CampaignSpec::new(general.sip_addr(), 10, &prompt)).await;
    let (general_id,): (i64,) = sqlx::query_as("SELECT trunk_id FROM campaigns WHERE id = $1")
        .bind(campaign.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let special_id = add_trunk(&store, "special", &special).await;
    // +1202555000x with x in 0..=4 go to the special trunk, which comes last
    // by position: a matching prefix wins over position.
    let prefixes: &[&str] = &["+12025550000", "+12025550001", "+12025550002", "+12025550003", "+12025550004"];
    let group = group_of(&store, "ordered", &[(general_id, 0, &[]), (special_id, 9, prefixes)]).await;
    route_through(&pool, campaign.id, group).await;

    let shutdown = CancellationToken::new();
    let talker =
        Talker::build("prefix-test".into(), test_talker_config(), store.clone(), None, TalkerMetrics::default())
            .await
            .unwrap();
    let running = tokio::spawn(talker.run(shutdown.clone()));
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(30)).await;
    shutdown.cancel();
    running.await.unwrap().unwrap();
    assert_eq!(summary.outcomes.get("answered"), Some(&10), "{summary:?}");
    let by_trunk: Vec<(i64, i64)> =
        sqlx::query_as("SELECT trunk_id, count(*) FROM attempts WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(by_trunk, [(general_id, 5), (special_id, 5)]);
    let to_special: Vec<String> = special
        .messages()
        .iter()
        .filter(|message| message.method() == Some("INVITE"))
        .filter_map(|message| message.request_user().map(str::to_owned))
        .collect();
    assert_eq!(to_special.len(), 5);
    assert!(
        to_special.iter().all(|user| user.starts_with("+1202555000") && user.as_bytes()[11] <= b'4'),
        "{to_special:?}"
    );
}
