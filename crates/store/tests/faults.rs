//! The promises under faults, against a real PostgreSQL: a lost attempt is
//! never re-dialed at once and its late record still wins; a Scheduler
//! whose leadership moved on cannot act; a campaign is not completed while
//! its contacts are still being imported.

use std::time::Duration;

use chrono::Utc;
use herald_store::{
    Actor, AttemptRecord, CampaignStatus, ContactNext, Error, FinishResult, ImportMapping, NewCampaign, NewContact,
    NewTrunk, Store,
};
use herald_types::{E164, Outcome};
use sqlx::PgPool;

async fn running_campaign(store: &Store, contacts: usize, max_attempts: i32) -> i64 {
    let trunk = store.create_trunk(&NewTrunk::udp("carrier", "127.0.0.1", 5060)).await.unwrap();
    let campaign = store
        .create_campaign(&NewCampaign {
            name: "faults".into(),
            prompt_id: None,
            trunk_id: Some(trunk.id),
            caller_id: Some("+15550000000".into()),
            max_attempts,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await
        .unwrap();
    let new: Vec<NewContact> = (0..contacts)
        .map(|index| NewContact {
            phone: E164::parse(&format!("+1555{index:07}")).unwrap(),
            tags: serde_json::json!({}),
            timezone: None,
            import_line: None,
            next_eligible_at: None,
        })
        .collect();
    store.insert_contacts(campaign.id, &new).await.unwrap();
    store.set_campaign_status(campaign.id, CampaignStatus::Running, "test").await.unwrap();
    campaign.id
}

async fn leader(store: &Store, holder: &str) -> Option<herald_store::LeaderFence> {
    store.hold_leadership(holder, Duration::from_secs(60)).await.unwrap()
}

async fn expire_leases(pool: &PgPool) {
    sqlx::query("UPDATE contacts SET lease_until = now() - interval '1 second' WHERE state = 'leased'")
        .execute(pool)
        .await
        .unwrap();
}

/// A Talker cut off from Postgres past its lease: the reaper records the
/// attempt as lost but does not hand the contact to another node at once —
/// the call may have been answered — and when the Talker's journal replays
/// the real record, it replaces the lost one (once), so an answered person
/// is not called again and no outcome is lost.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_lost_attempt_waits_and_its_late_record_wins(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 2, 3).await;
    let fence = leader(&store, "scheduler").await.unwrap();
    let claims = store.claim_due("cut-off", campaign, 10, 60).await.unwrap();
    assert_eq!(claims.len(), 2);
    expire_leases(&pool).await;
    let waits = [(campaign, 600)];
    assert_eq!(store.reap_expired_leases(&fence, 100, 5, &waits).await.unwrap(), 2);

    // Not due again for the campaign's delay; counted as an attempt; logged.
    assert!(store.claim_due("other", campaign, 10, 60).await.unwrap().is_empty(), "re-dialed at once");
    let contacts: Vec<(i64, String, i32, i32, f64)> = sqlx::query_as(
        "SELECT id, state, attempts_made, lost_attempts, extract(epoch FROM next_eligible_at - now())::float8 \
         FROM contacts ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (_, state, attempts_made, lost, wait) in &contacts {
        assert_eq!((state.as_str(), *attempts_made, *lost), ("queued", 1, 1));
        assert!((590.0..=600.0).contains(wait), "waits the campaign's delay, not {wait} s");
    }
    let decisions: Vec<(String, String)> =
        sqlx::query_as("SELECT decision, reason FROM decisions ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(decisions, vec![("deferred".to_owned(), "lease_lost".to_owned()); 2]);

    // The cut-off Talker's journal: the first call was answered.
    let mut answered = AttemptRecord::for_claim(&claims[0], Outcome::Answered);
    answered.invite_at = Some(Utc::now() - chrono::Duration::seconds(30));
    answered.answered_at = Some(Utc::now() - chrono::Duration::seconds(25));
    let result = store.finish_attempt("cut-off", &answered, ContactNext::Done).await.unwrap();
    assert_eq!(result, FinishResult::Recorded, "the late record replaces the lost one");
    assert_eq!(
        store.finish_attempt("cut-off", &answered, ContactNext::Done).await.unwrap(),
        FinishResult::AlreadyFinal,
        "replayed twice, written once"
    );
    // Only the node that made the call may write it.
    let forged = AttemptRecord::for_claim(&claims[1], Outcome::Answered);
    assert_eq!(
        store.finish_attempt("someone-else", &forged, ContactNext::Done).await.unwrap(),
        FinishResult::AlreadyFinal
    );

    let (state, outcome, attempts_made, lost): (String, Option<String>, i32, i32) =
        sqlx::query_as("SELECT state, last_outcome, attempts_made, lost_attempts FROM contacts WHERE id = $1")
            .bind(claims[0].contact_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), outcome.as_deref(), attempts_made, lost), ("done", Some("answered"), 1, 0));
    let outcomes: Vec<(i64, String)> =
        sqlx::query_as("SELECT contact_id, outcome FROM attempts ORDER BY contact_id").fetch_all(&pool).await.unwrap();
    assert_eq!(
        outcomes,
        vec![(claims[0].contact_id, "answered".to_owned()), (claims[1].contact_id, "lost_with_node".to_owned())]
    );

    // Once another node has leased the contact, a late record is refused.
    sqlx::query("UPDATE contacts SET next_eligible_at = now() WHERE id = $1")
        .bind(claims[1].contact_id)
        .execute(&pool)
        .await
        .unwrap();
    let again = store.claim_due("other", campaign, 10, 60).await.unwrap();
    assert_eq!(again.len(), 1);
    let late = AttemptRecord::for_claim(&claims[1], Outcome::Answered);
    assert_eq!(store.finish_attempt("cut-off", &late, ContactNext::Done).await.unwrap(), FinishResult::AlreadyFinal);
}

/// A lost attempt is one of the contact's attempts: at the campaign's
/// `max_attempts` the contact is done, not called again.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_lost_last_attempt_finishes_the_contact(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 1, 1).await;
    let fence = leader(&store, "scheduler").await.unwrap();
    store.claim_due("dead", campaign, 10, 60).await.unwrap();
    expire_leases(&pool).await;
    assert_eq!(store.reap_expired_leases(&fence, 100, 5, &[(campaign, 0)]).await.unwrap(), 1);
    let (state, outcome): (String, String) =
        sqlx::query_as("SELECT state, last_outcome FROM contacts").fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), outcome.as_str()), ("done", "lost_with_node"));
    let decisions: Vec<(String, String)> =
        sqlx::query_as("SELECT decision, reason FROM decisions").fetch_all(&pool).await.unwrap();
    assert_eq!(decisions, vec![("skipped".to_owned(), "lease_lost".to_owned())]);
}

/// Leadership moves only when the leader's lease expires (on Postgres's
/// clock), and the old leader — back from a partition, its own clock
/// unaware — can no longer act: every action is fenced by the epoch.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_leader_whose_lease_moved_on_cannot_act(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 1, 1).await;
    let old = leader(&store, "a").await.expect("a leads");
    assert_eq!(leader(&store, "b").await, None, "b stands by while a's lease holds");
    assert_eq!(leader(&store, "a").await.as_ref(), Some(&old), "a renews: same epoch");

    // a vanishes; its lease runs out.
    sqlx::query("UPDATE scheduler_leader SET until = now() - interval '1 second'").execute(&pool).await.unwrap();
    let new = leader(&store, "b").await.expect("b takes over");
    assert!(new.epoch > old.epoch);

    // a comes back and tries to act: refused, every action.
    assert!(matches!(store.reap_expired_leases(&old, 10, 5, &[]).await, Err(Error::NotLeader)));
    assert!(matches!(store.complete_finished_campaigns(&old).await, Err(Error::NotLeader)));
    assert!(matches!(
        store.apply_schedule(&old, campaign, "running", CampaignStatus::Paused).await,
        Err(Error::NotLeader)
    ));
    assert!(matches!(store.rest_collapsed_caller_ids(&old, 1, 0.5, 60).await, Err(Error::NotLeader)));
    assert_eq!(leader(&store, "a").await, None, "and cannot take it back while b holds it");
    assert_eq!(store.campaign(campaign).await.unwrap().status, "running");

    // b can.
    assert!(store.apply_schedule(&new, campaign, "running", CampaignStatus::Paused).await.unwrap());
    store.release_leadership(&new).await.unwrap();
    assert!(leader(&store, "a").await.is_some_and(|fence| fence.epoch > new.epoch), "released: a leads at once");
}

/// A campaign started while its upload is still streaming has, for a
/// moment, no queued contact: it is not complete until the import is done.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_campaign_is_not_completed_while_its_import_streams(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 0, 1).await;
    let fence = leader(&store, "scheduler").await.unwrap();
    let mapping = ImportMapping { phone_column: "phone".into(), timezone_column: None, tag_columns: None };
    let import = store.create_import(campaign, &mapping, &Actor::system("test")).await.unwrap();
    assert!(store.begin_import(import.id).await.unwrap());
    assert!(store.complete_finished_campaigns(&fence).await.unwrap().is_empty(), "completed mid-import");
    // The rows arrive, are dialed; the import ends.
    let contact = NewContact {
        phone: E164::parse("+15551234567").unwrap(),
        tags: serde_json::json!({}),
        timezone: None,
        import_line: Some(2),
        next_eligible_at: None,
    };
    store.insert_contacts(campaign, &[contact]).await.unwrap();
    let claim = store.claim_due("t", campaign, 10, 60).await.unwrap().remove(0);
    let record = AttemptRecord::for_claim(&claim, Outcome::Answered);
    store.finish_attempt("t", &record, ContactNext::Done).await.unwrap();
    assert!(store.complete_finished_campaigns(&fence).await.unwrap().is_empty(), "the import still runs");
    store.finish_import(import.id, None).await.unwrap();
    assert_eq!(store.complete_finished_campaigns(&fence).await.unwrap(), vec![campaign]);
}

/// A Talker cut off from Postgres hangs up the calls it had claimed but
/// not yet dialed, and journals them to be given back. If the reaper has
/// closed them as lost meanwhile (their campaign allows one attempt), the
/// replayed release undoes that: nobody was called, so nothing counts, and
/// the contact is due again instead of closed uncalled.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_claim_never_dialed_is_given_back_even_after_the_reaper_closed_it(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let campaign = running_campaign(&store, 1, 1).await;
    let fence = leader(&store, "scheduler").await.unwrap();
    let claim = store.claim_due("cut-off", campaign, 10, 60).await.unwrap().remove(0);
    expire_leases(&pool).await;
    assert_eq!(store.reap_expired_leases(&fence, 100, 5, &[(campaign, 600)]).await.unwrap(), 1);
    let state: (String,) = sqlx::query_as("SELECT state FROM contacts").fetch_one(&pool).await.unwrap();
    assert_eq!(state.0, "done", "one attempt allowed: closed as lost");

    // Only the node that held it may give it back.
    assert!(!store.defer_claim("someone-else", &claim, Utc::now(), "hung_up_before_dialing").await.unwrap());
    assert!(store.defer_claim("cut-off", &claim, Utc::now(), "hung_up_before_dialing").await.unwrap());
    let (state, attempts_made, lost, last_outcome): (String, i32, i32, Option<String>) =
        sqlx::query_as("SELECT state, attempts_made, lost_attempts, last_outcome FROM contacts")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts_made, lost, last_outcome), ("queued", 0, 0, None));
    let attempts: (i64,) = sqlx::query_as("SELECT count(*) FROM attempts").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts.0, 0, "the attempt never dialed is gone");
    assert_eq!(store.claim_due("other", campaign, 10, 60).await.unwrap().len(), 1, "due again: it will be called");
    assert!(!store.defer_claim("cut-off", &claim, Utc::now(), "again").await.unwrap(), "given back once");
}
