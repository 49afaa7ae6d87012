//! Resting caller IDs whose answer rate collapsed, against real PostgreSQL.

use herald_store::{Actor, Change, NewCampaign, NewContact, Store};
use sqlx::PgPool;

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn numbers_whose_answer_rate_collapsed_rest(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let actor = Actor::system("test");
    let Change::Done(caller_pool) = store.add_caller_id_pool("main", "round_robin", &actor).await.unwrap() else {
        panic!()
    };
    for number in ["+4930111111", "+4930222222", "+4930333333"] {
        store.put_caller_id(caller_pool.id, number, None, true, &actor).await.unwrap();
    }
    let campaign = store
        .create_campaign(&NewCampaign {
            name: "c".into(),
            prompt_id: None,
            trunk_id: None,
            caller_id: None,
            max_attempts: 100,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await
        .unwrap();
    let contact = NewContact {
        phone: herald_types::E164::parse("+12025550100").unwrap(),
        tags: serde_json::json!({}),
        timezone: None,
        import_line: None,
        next_eligible_at: None,
    };
    store.insert_contacts(campaign.id, &[contact]).await.unwrap();
    // 60 calls each: +4930111111 answered 2 (3 %), +4930222222 answered 30
    // (50 %), +4930333333 only 10 calls, none answered (too few to judge).
    for (offset, number, calls, answered) in
        [(0, "+4930111111", 60, 2), (100, "+4930222222", 60, 30), (200, "+4930333333", 10, 0)]
    {
        sqlx::query(
            "INSERT INTO attempts (contact_id, campaign_id, attempt_no, lease_epoch, node_id, phone, caller_id, outcome) \
             SELECT c.id, c.campaign_id, $2 + n, 1, 't', c.phone, $3, CASE WHEN n <= $5 THEN 'answered' ELSE 'no_answer' END \
             FROM contacts c, generate_series(1, $4) AS n WHERE c.campaign_id = $1",
        )
        .bind(campaign.id)
        .bind(offset)
        .bind(number)
        .bind(calls)
        .bind(answered)
        .execute(&pool)
        .await
        .unwrap();
    }
    let rested = store.rest_collapsed_caller_ids(&leader(&store).await, 50, 0.05, 3600).await.unwrap();
    assert_eq!(rested, ["+4930111111"]);
    let detail = store.caller_id_pool(caller_pool.id).await.unwrap();
    let resting: Vec<(&str, bool, i64)> = detail
        .numbers
        .iter()
        .map(|number| (number.number.as_str(), number.rested_until.is_some(), number.used_today))
        .collect();
    assert_eq!(resting, [("+4930111111", true, 60), ("+4930222222", false, 60), ("+4930333333", false, 10)]);
    // Already resting: not rested again.
    assert!(store.rest_collapsed_caller_ids(&leader(&store).await, 50, 0.05, 3600).await.unwrap().is_empty());
}

/// The Scheduler's leadership, for calling its actions.
async fn leader(store: &Store) -> herald_store::LeaderFence {
    store.hold_leadership("test-scheduler", std::time::Duration::from_secs(60)).await.unwrap().expect("leader")
}
