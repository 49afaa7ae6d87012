//! The dialing path against a real PostgreSQL (a fresh database per test).

use chrono::Utc;
use herald_store::{AttemptRecord, ContactNext, FinishResult, NewCampaign, NewContact, NewTrunk, Store};
use herald_types::{E164, Outcome};
use sqlx::PgPool;

/// A one-attempt campaign through `trunk_id`.
fn new_campaign(name: &str, trunk_id: Option<i64>) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        prompt_id: None,
        trunk_id,
        caller_id: Some("+15550000000".into()),
        max_attempts: 1,
        ring_timeout_secs: 30,
        retry_rules: serde_json::json!({}),
    }
}

async fn running_campaign(store: &Store, contacts: usize) -> i64 {
    let trunk = store.create_trunk(&NewTrunk::udp("carrier", "127.0.0.1", 5060)).await.unwrap();
    let campaign = store.create_campaign(&new_campaign("test", Some(trunk.id))).await.unwrap();
    let new: Vec<NewContact> = (0..contacts)
        .map(|index| NewContact {
            phone: E164::parse(&format!("+1555{index:07}")).unwrap(),
            tags: serde_json::json!({"index": index}),
            timezone: None,
            import_line: Some(index as i32 + 2),
            next_eligible_at: None,
        })
        .collect();
    assert_eq!(store.insert_contacts(campaign.id, &new).await.unwrap(), contacts as u64);
    store.set_campaign_status(campaign.id, herald_store::CampaignStatus::Running, "test").await.unwrap();
    campaign.id
}

fn record(claim: &herald_store::ClaimedAttempt, outcome: Outcome) -> AttemptRecord {
    let mut record = AttemptRecord::for_claim(claim, outcome);
    record.sip_code = Some(200);
    record.invite_at = Some(Utc::now());
    record
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn concurrent_claims_never_share_a_contact(pool: PgPool) {
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 500).await;
    let mut claims = Vec::new();
    for node in 0..8 {
        let store = store.clone();
        claims.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due(&format!("node-{node}"), campaign, 17, 60).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|claim| claim.contact_id));
            }
        }));
    }
    let mut all = Vec::new();
    for claim in claims {
        all.extend(claim.await.unwrap());
    }
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(count, 500, "every contact claimed once");
    assert_eq!(all.len(), 500, "no contact claimed twice");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn an_attempt_is_recorded_exactly_once(pool: PgPool) {
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 1).await;
    let claim = store.claim_due("a", campaign, 10, 60).await.unwrap().remove(0);
    let answered = record(&claim, Outcome::Answered);
    assert_eq!(store.finish_attempt("a", &answered, ContactNext::Done).await.unwrap(), FinishResult::Recorded);
    let busy = record(&claim, Outcome::Busy);
    assert_eq!(store.finish_attempt("a", &busy, ContactNext::Done).await.unwrap(), FinishResult::AlreadyFinal);
    let summary = store.campaign_summary(campaign).await.unwrap();
    assert_eq!(summary.outcomes.get("answered"), Some(&1));
    assert_eq!(summary.attempts, 1);
    assert_eq!(store.complete_finished_campaigns(&leader(&store).await).await.unwrap(), vec![campaign]);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn expired_leases_are_reaped_and_late_writes_refused(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 3).await;
    // A lost attempt counts as one: allow another.
    sqlx::query("UPDATE campaigns SET max_attempts = 3").execute(&pool).await.unwrap();
    // A webhook hears of every terminal record, the reaper's included.
    let actor = herald_store::Actor::system("test");
    let hook = store.add_webhook("https://example.org/hook", "0123456789abcdef", None, &actor).await.unwrap();
    assert!(matches!(hook, herald_store::Change::Done(_)));
    let dead = store.claim_due("dead-node", campaign, 10, 60).await.unwrap();
    assert_eq!(dead.len(), 3);
    // Nothing has expired yet.
    assert_eq!(store.reap_expired_leases(&leader(&store).await, 100, 3, &[]).await.unwrap(), 0);
    sqlx::query("UPDATE contacts SET lease_until = now() - interval '1 second'").execute(&pool).await.unwrap();
    assert_eq!(store.reap_expired_leases(&leader(&store).await, 100, 3, &[]).await.unwrap(), 3);

    // Another node takes them over.
    let live = store.claim_due("live-node", campaign, 10, 60).await.unwrap();
    assert_eq!(live.len(), 3);
    assert!(live.iter().all(|claim| claim.attempt_no == 2));

    // The dead node comes back and tries to write: refused.
    let late = record(&dead[0], Outcome::Answered);
    assert_eq!(store.finish_attempt("dead-node", &late, ContactNext::Done).await.unwrap(), FinishResult::AlreadyFinal);
    for claim in &live {
        let result = store.finish_attempt("live-node", &record(claim, Outcome::Busy), ContactNext::Done).await;
        assert_eq!(result.unwrap(), FinishResult::Recorded);
    }
    let lost: (i64,) = sqlx::query_as("SELECT count(*) FROM attempts WHERE outcome = 'lost_with_node'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lost.0, 3);
    let summary = store.campaign_summary(campaign).await.unwrap();
    assert_eq!(summary.outcomes.get("busy"), Some(&3));
    // One delivery per terminal record: 3 lost, 3 busy; none for the late write.
    let queued: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.outcome, count(*) FROM webhook_deliveries d JOIN attempts a ON a.id = d.attempt_id GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(queued, [("busy".to_owned(), 3), ("lost_with_node".to_owned(), 3)]);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn renewal_reports_lost_leases(pool: PgPool) {
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 2).await;
    let claims = store.claim_due("a", campaign, 10, 60).await.unwrap();
    let ids: Vec<i64> = claims.iter().map(|claim| claim.contact_id).collect();
    let mut held = store.renew_leases("a", &ids, 60).await.unwrap();
    held.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(held, expected);
    assert!(store.renew_leases("b", &ids, 60).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn retries_come_back_when_due(pool: PgPool) {
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 1).await;
    let claim = store.claim_due("a", campaign, 10, 60).await.unwrap().remove(0);
    let later = Utc::now() + chrono::Duration::hours(1);
    store.finish_attempt("a", &record(&claim, Outcome::Busy), ContactNext::RetryAt(later)).await.unwrap();
    assert!(store.claim_due("a", campaign, 10, 60).await.unwrap().is_empty(), "not due yet");
    assert!(store.complete_finished_campaigns(&leader(&store).await).await.unwrap().is_empty(), "a retry is pending");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn copy_loads_contacts_and_skips_numbers_already_there(pool: PgPool) {
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 3).await;
    let awkward = serde_json::json!({"note": "tab\there, back\\slash\nand a newline", "name": "Zoë"});
    let new: Vec<NewContact> = (1..6)
        .map(|index| NewContact {
            // +1555000000{1,2} are already in the campaign.
            phone: E164::parse(&format!("+1555{index:07}")).unwrap(),
            tags: awkward.clone(),
            timezone: (index == 4).then(|| "Europe/Berlin".to_owned()),
            import_line: Some(index + 1),
            next_eligible_at: (index == 5).then(|| "2030-01-01T09:00:00Z".parse().unwrap()),
        })
        .collect();
    // Two of five are duplicates, and the chunk repeats a row of its own.
    let mut chunk = new.clone();
    chunk.push(new[4].clone());
    assert_eq!(store.copy_contacts(campaign, &chunk).await.unwrap(), 3);
    type Row = (String, serde_json::Value, Option<String>, Option<i32>, chrono::DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT phone, tags, timezone, import_line, next_eligible_at FROM contacts \
         WHERE campaign_id = $1 AND phone > '+15550000002' ORDER BY phone",
    )
    .bind(campaign)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| row.1 == awkward), "tags survive COPY's escaping: {rows:?}");
    assert_eq!(rows[1].0, "+15550000004");
    assert_eq!(rows[1].2.as_deref(), Some("Europe/Berlin"));
    assert_eq!(rows[1].3, Some(5));
    assert_eq!(rows[2].4, "2030-01-01T09:00:00Z".parse::<chrono::DateTime<Utc>>().unwrap());
}

/// A batch of terminal records (a Talker's calls that ended together) is
/// judged record by record, as if each came alone: the open ones are
/// written with every field, a late duplicate and another node's record
/// are refused, a retry goes back to the queue, and a cap wait is logged.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_batch_of_records_is_judged_record_by_record(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 4).await;
    let claims = store.claim_due("a", campaign, 10, 60).await.unwrap();
    assert_eq!(claims.len(), 4);
    // One already recorded before the batch.
    let first = record(&claims[0], Outcome::Answered);
    assert_eq!(store.finish_attempt("a", &first, ContactNext::Done).await.unwrap(), FinishResult::Recorded);

    let duplicate = record(&claims[0], Outcome::Busy);
    let mut answered = record(&claims[1], Outcome::Answered);
    answered.answers = Some(serde_json::json!({"confirm": "1"}));
    answered.dtmf = Some("1".into());
    answered.opted_out = true;
    answered.cap_wait = Some((Utc::now() - chrono::Duration::seconds(3), "trunk_line_cap".into()));
    let busy = record(&claims[2], Outcome::Busy);
    let retry_at = Utc::now() + chrono::Duration::hours(1);
    let other_node = record(&claims[3], Outcome::Answered);
    let results = store
        .finish_attempts(
            "a",
            &[(&duplicate, ContactNext::Done), (&answered, ContactNext::Done), (&busy, ContactNext::RetryAt(retry_at))],
        )
        .await
        .unwrap();
    assert_eq!(results, vec![FinishResult::AlreadyFinal, FinishResult::Recorded, FinishResult::Recorded]);
    let refused = store.finish_attempts("b", &[(&other_node, ContactNext::Done)]).await.unwrap();
    assert_eq!(refused, vec![FinishResult::AlreadyFinal], "not b's lease");

    let (outcome, answers, dtmf, opted_out): (String, serde_json::Value, String, bool) =
        sqlx::query_as("SELECT outcome, answers, dtmf, opted_out FROM attempts WHERE id = $1")
            .bind(claims[1].attempt_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((outcome.as_str(), dtmf.as_str(), opted_out), ("answered", "1", true));
    assert_eq!(answers, serde_json::json!({"confirm": "1"}));
    let (state, next): (String, chrono::DateTime<Utc>) =
        sqlx::query_as("SELECT state, next_eligible_at FROM contacts WHERE id = $1")
            .bind(claims[2].contact_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(state, "queued", "the busy contact waits for its retry");
    assert!((next - retry_at).num_milliseconds().abs() < 5, "{next} vs {retry_at}");
    let first_outcome: (String,) = sqlx::query_as("SELECT outcome FROM attempts WHERE id = $1")
        .bind(claims[0].attempt_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(first_outcome.0, "answered", "the late duplicate changed nothing");
    let waits: Vec<(i64, String)> =
        sqlx::query_as("SELECT contact_id, reason FROM decisions WHERE decision = 'waited'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(waits, vec![(claims[1].contact_id, "trunk_line_cap".to_owned())]);
    assert!(store.finish_attempts("a", &[]).await.unwrap().is_empty());
}

/// The dial-time list check for a claimed batch answers each number as
/// `list_verdict` would alone, in order: exact entries and prefixes, expiry,
/// and only the global lists and the campaign's own.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_batch_of_list_verdicts_answers_each_number_in_order(pool: PgPool) {
    use herald_store::{ListVerdict, NewListEntry};
    let store = Store::from_pool(pool);
    let campaign = running_campaign(&store, 1).await;
    let entry = |pattern: &str, is_prefix: bool, expired: bool| NewListEntry {
        pattern: pattern.to_owned(),
        is_prefix,
        reason: None,
        expires_at: expired.then(|| Utc::now() - chrono::Duration::minutes(1)),
    };
    let black = store.create_list("global black", "black", None).await.unwrap();
    store
        .add_list_entries(
            black,
            &[entry("+4930111", false, false), entry("+4940", true, false), entry("+4950", true, true)],
        )
        .await
        .unwrap();
    let white = store.create_list("campaign white", "white", Some(campaign)).await.unwrap();
    store.add_list_entries(white, &[entry("+4930222", false, false), entry("+4940", true, false)]).await.unwrap();
    let other_campaign = store.create_campaign(&new_campaign("other", None)).await.unwrap();
    let elsewhere = store.create_list("another campaign's", "black", Some(other_campaign.id)).await.unwrap();
    store.add_list_entries(elsewhere, &[entry("+4930222", false, false)]).await.unwrap();
    let phones = ["+4930111", "+4940123", "+4950123", "+4930222", "+4930111999", "+4930333"];
    let verdicts = store.list_verdicts(campaign, &phones).await.unwrap();
    let verdict = |blacklisted, whitelisted| ListVerdict { blacklisted, whitelisted };
    assert_eq!(
        verdicts,
        vec![
            verdict(true, false),  // exact
            verdict(true, true),   // under a black prefix (and a white one)
            verdict(false, false), // the prefix expired
            verdict(false, true),  // the campaign's whitelist; another campaign's blacklist does not count
            verdict(false, false), // an exact entry is no prefix
            verdict(false, false), // unlisted
        ]
    );
    for (phone, expected) in phones.iter().zip(&verdicts) {
        assert_eq!(store.list_verdict(campaign, phone).await.unwrap(), *expected, "{phone} alone");
    }
    assert!(store.list_verdicts(campaign, &[]).await.unwrap().is_empty());
}

/// The Scheduler's leadership, for calling its actions.
async fn leader(store: &Store) -> herald_store::LeaderFence {
    store.hold_leadership("test-scheduler", std::time::Duration::from_secs(60)).await.unwrap().expect("leader")
}
