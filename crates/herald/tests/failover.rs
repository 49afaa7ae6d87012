//! Talker nodes ending mid-call, as real `herald` processes against a SIPp
//! carrier:
//! - one dies (`kill -9`, so it hangs up nothing and records nothing):
//!   another node finishes the campaign, no contact is lost, and no contact
//!   is ever in two calls at once;
//! - one is told to stop (SIGTERM): it drains, finishing or hanging up its
//!   calls and recording each one, and exits 0.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use herald_store::Store;
use sqlx::PgPool;
use support::{
    CampaignSpec, HeraldProcess, ScratchDir, SippCarrier, TestPrompt, assert_every_contact_done_once, carrier_dialogs,
    database_url, herald_environment, running_campaign,
};

const CONTACTS: usize = 40;
/// Calls the first Talker holds at once: it dies holding all of them.
const TALKER_A_CALLS: i64 = 10;

/// Waits until the carrier has answered `count` calls (200 OK to INVITE).
async fn wait_for_answered_calls(carrier: &SippCarrier, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answered = carrier.answered_calls();
        if answered >= count {
            return;
        }
        assert!(Instant::now() < deadline, "the carrier answered {answered} calls, not {count}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn leased_by(pool: &PgPool, campaign_id: i64, node_id: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT id FROM contacts WHERE campaign_id = $1 AND state = 'leased' AND lease_owner = $2 ORDER BY id",
    )
    .bind(campaign_id)
    .bind(node_id)
    .fetch_all(pool)
    .await
    .expect("reading leases")
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_killed_talkers_contacts_are_called_again_and_never_twice_at_once(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let scratch = ScratchDir::new("failover");
    let database_url = database_url(&pool).await;
    let mut carrier = SippCarrier::start("uas_answer.xml", &[]);
    // Answered calls last as long as the prompt: long enough to kill a
    // Talker while it holds calls, with another Talker dialing beside it.
    let prompt = TestPrompt::tone(6000);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), CONTACTS, &prompt);
    spec.cps = 20.0;
    // A lost attempt counts, and its contact waits its campaign's delay
    // before it is called again (its call may have been answered): here a
    // second attempt, a second later.
    spec.max_attempts = 2;
    spec.retry_rules = serde_json::json!({ "lost_with_node": { "delay_secs": 1 } });
    let campaign = running_campaign(&store, &spec).await;

    // Talker A takes its share of calls...
    let mut talker_a = HeraldProcess::spawn(
        "talker-a",
        &["talker"],
        &herald_environment(&database_url, "talker-a", TALKER_A_CALLS, 3),
        scratch.path(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while (leased_by(&pool, campaign.id, "talker-a").await.len() as i64) < TALKER_A_CALLS {
        talker_a.assert_running();
        assert!(Instant::now() < deadline, "talker A never held {TALKER_A_CALLS} calls:\n{}", talker_a.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for_answered_calls(&carrier, TALKER_A_CALLS as usize).await;

    // ...then Talker B and the scheduler (which reaps expired leases) join,
    // so a reaper that took live leases would hand B contacts A is calling...
    let mut scheduler = HeraldProcess::spawn(
        "scheduler",
        &["scheduler"],
        &herald_environment(&database_url, "scheduler", 1, 3),
        scratch.path(),
    );
    let mut talker_b = HeraldProcess::spawn(
        "talker-b",
        &["talker"],
        &herald_environment(&database_url, "talker-b", CONTACTS as i64, 3),
        scratch.path(),
    );
    wait_for_answered_calls(&carrier, TALKER_A_CALLS as usize + 5).await;

    // ...and A dies in the middle of its calls.
    talker_a.kill_hard();
    let killed_at = Utc::now();
    // A's calls that had not ended well: still open (held at death), or
    // already taken from it (which only a broken reaper would do).
    let held_at_death: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT contact_id FROM attempts \
         WHERE campaign_id = $1 AND node_id = 'talker-a' AND (outcome IS NULL OR outcome = 'lost_with_node') \
         ORDER BY contact_id",
    )
    .bind(campaign.id)
    .fetch_all(&pool)
    .await
    .expect("reading A's open attempts");
    assert!(!held_at_death.is_empty(), "talker A had no call in progress when it died: the test proves nothing");

    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let summary = store.campaign_summary(campaign.id).await.expect("summary");
        if summary.status == "completed" {
            break;
        }
        talker_b.assert_running();
        scheduler.assert_running();
        assert!(
            Instant::now() < deadline,
            "campaign not completed: {summary:?}\n--- talker B:\n{}\n--- scheduler:\n{}",
            talker_b.log(),
            scheduler.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for process in [&mut talker_b, &mut scheduler] {
        let status = process.terminate(Duration::from_secs(15));
        assert!(
            status.is_some_and(|status| status.success()),
            "a drained herald exits 0, got {status:?}:\n{}",
            process.log()
        );
    }
    carrier.stop();

    // The database: every contact answered, exactly once.
    let contacts = support::contacts(&pool, campaign.id).await;
    assert_eq!(contacts.len(), CONTACTS, "no contact lost");
    let attempts = assert_every_contact_done_once(&pool, campaign.id).await;
    for contact in &contacts {
        assert_eq!(contact.last_outcome.as_deref(), Some("answered"), "{contact:?}");
        let answered = attempts
            .iter()
            .filter(|attempt| attempt.contact_id == contact.id && attempt.outcome.as_deref() == Some("answered"))
            .count();
        assert_eq!(answered, 1, "exactly one answered call for {contact:?}");
    }

    // What A held when it died was recorded as lost with it, and called
    // again by B.
    let lost: Vec<_> = attempts.iter().filter(|attempt| attempt.outcome.as_deref() == Some("lost_with_node")).collect();
    assert_eq!(lost.len(), held_at_death.len(), "one lost attempt per contact A held: {lost:#?}");
    for contact_id in &held_at_death {
        let own: Vec<_> = attempts.iter().filter(|attempt| attempt.contact_id == *contact_id).collect();
        assert_eq!(own.len(), 2, "a lost attempt, then one more: {own:#?}");
        assert_eq!((own[0].node_id.as_str(), own[0].outcome.as_deref()), ("talker-a", Some("lost_with_node")));
        assert_eq!((own[1].node_id.as_str(), own[1].outcome.as_deref()), ("talker-b", Some("answered")));
        assert!(own[1].attempt_no > own[0].attempt_no);
        let invite_at = own[1].invite_at.expect("B's INVITE time");
        assert!(invite_at > killed_at, "B called {contact_id} before A died");
        let contact = contacts.iter().find(|contact| contact.id == *contact_id).unwrap();
        assert_eq!((contact.attempts_made, contact.lost_attempts), (2, 1), "{contact:?}");
    }

    // Never two calls at once for one contact (by Herald's records): each
    // attempt ends before the next one's INVITE.
    let mut by_contact: BTreeMap<i64, Vec<&support::AttemptRow>> = BTreeMap::new();
    for attempt in &attempts {
        by_contact.entry(attempt.contact_id).or_default().push(attempt);
    }
    for own in by_contact.values() {
        for pair in own.windows(2) {
            let ended = pair[0].ended_at.expect("ended");
            let next_start = pair[1].invite_at.unwrap_or(pair[1].created_at);
            assert!(ended <= next_start, "overlapping attempts: {:#?}", pair);
        }
    }

    // ...and by the carrier's: per callee, each call ends (Herald's BYE, or
    // A's death for the calls A held) before the next INVITE arrives, and
    // each callee had exactly one call that Herald hung up properly.
    let dialogs = carrier_dialogs(&carrier.messages());
    let mut by_callee: BTreeMap<&str, Vec<&support::CarrierDialog>> = BTreeMap::new();
    for dialog in &dialogs {
        by_callee.entry(dialog.callee.as_str()).or_default().push(dialog);
    }
    assert_eq!(by_callee.len(), CONTACTS, "the carrier heard from every contact");
    for (callee, calls) in &by_callee {
        let completed = calls.iter().filter(|call| call.bye_at.is_some()).count();
        assert_eq!(completed, 1, "{callee}: one completed call, got {calls:#?}");
        for call in calls.iter().filter(|call| call.bye_at.is_none()) {
            assert!(call.invite_at < killed_at, "{callee}: a call never hung up that A did not hold: {call:?}");
        }
        for pair in calls.windows(2) {
            let first_ended = pair[0].bye_at.unwrap_or(killed_at);
            assert!(
                pair[1].invite_at >= first_ended,
                "{callee}: a second call began before the first ended: {pair:#?}"
            );
        }
        let attempts_of_callee = attempts.iter().filter(|attempt| attempt.phone == *callee).count();
        assert!(calls.len() <= attempts_of_callee, "{callee}: more calls than recorded attempts");
    }
    // Every answered attempt is a call the carrier saw end with Herald's BYE.
    for attempt in attempts.iter().filter(|attempt| attempt.outcome.as_deref() == Some("answered")) {
        let call_id = attempt.sip_call_id.as_deref().expect("Call-ID recorded");
        let dialog = dialogs
            .iter()
            .find(|dialog| dialog.call_id == call_id)
            .unwrap_or_else(|| panic!("the carrier never saw {call_id}"));
        assert_eq!(dialog.callee, attempt.phone);
        assert!(dialog.bye_at.is_some(), "Herald hung up {call_id}");
    }
}

/// Runs a campaign of 4 answered calls on a `herald talker` process and
/// sends it SIGTERM once they are up, with `grace_secs` to finish them.
/// Checks it exits 0 having recorded every call once, each one hung up with
/// a BYE, and returns the attempts.
async fn terminate_mid_call(pool: PgPool, prompt: &TestPrompt, grace_secs: u64) -> Vec<support::AttemptRow> {
    let store = Store::from_pool(pool.clone());
    let scratch = ScratchDir::new("drain");
    let database_url = database_url(&pool).await;
    let mut carrier = SippCarrier::start("uas_answer.xml", &[]);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 4, prompt)).await;

    let mut environment = herald_environment(&database_url, "talker", 10, 3);
    environment.retain(|(key, _)| *key != "HERALD__TALKER__DRAIN_GRACE_SECS");
    environment.push(("HERALD__TALKER__DRAIN_GRACE_SECS", grace_secs.to_string()));
    let mut talker = HeraldProcess::spawn("talker", &["talker"], &environment, scratch.path());
    wait_for_answered_calls(&carrier, 4).await;
    let status = talker.terminate(Duration::from_secs(grace_secs + 15));
    assert!(
        status.is_some_and(|status| status.success()),
        "a drained talker exits 0, got {status:?}:\n{}",
        talker.log()
    );
    carrier.stop();

    let attempts = assert_every_contact_done_once(&pool, campaign.id).await;
    assert_eq!(attempts.len(), 4, "{attempts:#?}");
    let dialogs = carrier_dialogs(&carrier.messages());
    for attempt in &attempts {
        assert_eq!(attempt.outcome.as_deref(), Some("answered"), "{attempt:?}\n{}", talker.log());
        let call_id = attempt.sip_call_id.as_deref().expect("Call-ID");
        let dialog = dialogs.iter().find(|dialog| dialog.call_id == call_id).expect("the carrier saw the call");
        assert!(dialog.bye_at.is_some(), "the draining talker hung up {call_id} with a BYE:\n{}", talker.log());
    }
    assert_eq!(carrier.errors(), "", "SIPp traced errors:\n{}", carrier.screen());
    attempts
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_terminated_talker_finishes_its_calls_before_it_exits(pool: PgPool) {
    // The grace period (5 s) is longer than what is left of the calls: they
    // end as they would have.
    let prompt = TestPrompt::tone(3000);
    for attempt in terminate_mid_call(pool, &prompt, 5).await {
        let talk_ms = u64::try_from(attempt.talk_ms.expect("talk time")).unwrap();
        assert!(talk_ms * 10 >= prompt.duration_ms * 8, "the prompt played to the end during the drain: {attempt:?}");
    }
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_terminated_talker_hangs_up_calls_that_outlast_the_grace_period(pool: PgPool) {
    let prompt = TestPrompt::tone(20_000);
    for attempt in terminate_mid_call(pool, &prompt, 1).await {
        let talk_ms = u64::try_from(attempt.talk_ms.expect("talk time")).unwrap();
        assert!(talk_ms < prompt.duration_ms / 2, "hung up at the end of the grace period: {attempt:?}");
    }
}
