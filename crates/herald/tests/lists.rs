//! Black and white lists are checked just before dialing: a listed number
//! is never called, whatever else happens.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use herald_store::{NewListEntry, Store};
use sqlx::PgPool;
use support::{CampaignSpec, SippCarrier, TestPrompt, run_talker_until_done, running_campaign, test_phone};

fn entry(pattern: &str, is_prefix: bool, expires_in_hours: Option<i64>) -> NewListEntry {
    NewListEntry {
        pattern: pattern.to_owned(),
        is_prefix,
        reason: Some("test".to_owned()),
        expires_at: expires_in_hours.map(|hours| chrono::Utc::now() + chrono::Duration::hours(hours)),
    }
}

async fn outcomes(pool: &PgPool, campaign_id: i64) -> BTreeMap<String, String> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT phone, last_outcome FROM contacts WHERE campaign_id = $1 AND state = 'done'")
            .bind(campaign_id)
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter().map(|(phone, outcome)| (phone, outcome.unwrap_or_default())).collect()
}

fn dialed(carrier: &SippCarrier) -> Vec<String> {
    let mut callees: Vec<String> = carrier
        .messages()
        .iter()
        .filter(|message| message.method() == Some("INVITE"))
        .filter_map(|message| message.request_user().map(str::to_owned))
        .collect();
    callees.sort();
    callees.dedup();
    callees
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn blacklisted_numbers_and_prefixes_are_never_dialed(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(300);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 6, &prompt)).await;
    let global = store.create_list("do not call", "black", None).await.unwrap();
    let phone = |index: usize| test_phone(index).as_str().to_owned();
    store.add_list_entries(global, &[entry(&phone(1), false, None), entry(&phone(2), false, Some(-1))]).await.unwrap();
    let own = store.create_list("campaign opt-outs", "black", Some(campaign.id)).await.unwrap();
    store.add_list_entries(own, &[entry(&phone(3), true, Some(24))]).await.unwrap();

    run_talker_until_done(&store, campaign.id, Duration::from_secs(30)).await;

    let outcomes = outcomes(&pool, campaign.id).await;
    assert_eq!(outcomes[&phone(1)], "blacklisted");
    assert_eq!(outcomes[&phone(3)], "blacklisted", "prefix entries match");
    for index in [0, 2, 4, 5] {
        assert_eq!(outcomes[&phone(index)], "answered", "{index}: an expired entry does not block");
    }
    // The decision log tells the two apart: one skipped, one dialed.
    let ids: Vec<(i64, String)> = sqlx::query_as("SELECT id, phone FROM contacts WHERE campaign_id = $1")
        .bind(campaign.id)
        .fetch_all(&pool)
        .await
        .unwrap();
    for (contact_id, contact_phone) in ids {
        let history = store.contact_history(contact_id).await.unwrap();
        let events: Vec<(&str, &str)> =
            history.iter().map(|event| (event.kind.as_str(), event.detail.as_str())).collect();
        if contact_phone == phone(1) || contact_phone == phone(3) {
            assert_eq!(events, [("skipped", "blacklisted")], "{contact_phone}");
        } else {
            assert_eq!(events, [("dialed", "answered")], "{contact_phone}");
        }
    }
    let called = dialed(&carrier);
    assert!(!called.iter().any(|callee| callee.ends_with("0001") || callee.ends_with("0003")), "{called:?}");
    assert_eq!(called.len(), 4, "{called:?}");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_whitelist_only_campaign_calls_only_its_members(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(300);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 3, &prompt)).await;
    sqlx::query("UPDATE campaigns SET whitelist_only = true WHERE id = $1")
        .bind(campaign.id)
        .execute(&pool)
        .await
        .unwrap();
    let list = store.create_list("consented", "white", Some(campaign.id)).await.unwrap();
    store.add_list_entries(list, &[entry(test_phone(0).as_str(), false, None)]).await.unwrap();

    run_talker_until_done(&store, campaign.id, Duration::from_secs(30)).await;

    let outcomes = outcomes(&pool, campaign.id).await;
    assert_eq!(outcomes[test_phone(0).as_str()], "answered");
    assert_eq!(outcomes[test_phone(1).as_str()], "not_whitelisted");
    assert_eq!(outcomes[test_phone(2).as_str()], "not_whitelisted");
    assert_eq!(dialed(&carrier).len(), 1);
}
