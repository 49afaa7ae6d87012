//! Two Talkers share one trunk's CPS and line caps through Redis, and a
//! campaign's own caps below its trunk's: counted on the carrier side
//! (SIPp's message trace), nobody ever sees more INVITEs in a second than
//! the cap, nor more calls at once than the lines.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use herald_store::Store;
use sqlx::PgPool;
use support::{
    CampaignSpec, SippCarrier, TestPrompt, carrier_dialogs, running_campaign, spawn_talkers, wait_until_done,
};
use tokio_util::sync::CancellationToken;

const CPS: f64 = 8.0;
const LINES: i32 = 4;
const CONTACTS: usize = 24;

fn redis_config() -> herald_config::RedisConfig {
    // Sentinel addresses from HERALD__REDIS__* (scripts/infra.sh env).
    let mut config = herald_config::load(None).expect("configuration from the environment").redis;
    config.timeout_ms = 2000;
    config
}

/// The most calls open at once, from (start, end) intervals.
fn peak_concurrency(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> usize {
    let mut events: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for (start, end) in intervals {
        events.push((*start, 1));
        events.push((*end, -1));
    }
    // Ends sort before starts at the same instant.
    events.sort();
    let mut open = 0;
    let mut peak = 0;
    for (_, delta) in events {
        open += delta;
        peak = peak.max(open);
    }
    peak as usize
}

/// The most INVITEs in any one-second window (each window starting at an INVITE).
fn busiest_second(invites: &[DateTime<Utc>]) -> usize {
    let mut invites = invites.to_vec();
    invites.sort();
    (0..invites.len())
        .map(|index| {
            let window_end = invites[index] + chrono::Duration::seconds(1);
            invites[index..].iter().take_while(|at| **at < window_end).count()
        })
        .max()
        .unwrap_or(0)
}

/// What the carrier saw of `calls` calls: the most INVITEs in one second
/// and the most calls up at once (every call ended with Herald's BYE).
fn carrier_load(carrier: &SippCarrier, calls: usize) -> (usize, usize) {
    let dialogs = carrier_dialogs(&carrier.messages());
    assert_eq!(dialogs.len(), calls);
    let invites: Vec<DateTime<Utc>> = dialogs.iter().map(|dialog| dialog.invite_at).collect();
    let intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = dialogs
        .iter()
        .map(|dialog| (dialog.invite_at, dialog.bye_at.expect("every call ended with Herald's BYE")))
        .collect();
    (busiest_second(&invites), peak_concurrency(&intervals))
}

/// How many Talkers placed the campaign's calls.
async fn dialing_nodes(pool: &PgPool, campaign_id: i64) -> usize {
    let nodes: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT node_id FROM attempts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .unwrap();
    nodes.len()
}

/// Redis keys of this test database's own (trunk, campaign and attempt ids
/// repeat across test databases).
async fn test_redis(pool: &PgPool) -> herald_config::RedisConfig {
    let (database,): (String,) = sqlx::query_as("SELECT current_database()").fetch_one(pool).await.unwrap();
    let mut redis = redis_config();
    redis.key_prefix = format!("herald-test-{database}");
    redis
}

/// A campaign capped at 5 calls per second and 10 at once, on a trunk that
/// allows 50 and 100, dialed by two Talkers: the carrier never sees more
/// than the campaign's caps, both caps are reached, and the decision log and
/// the preflight say it is the campaign's caps that bind.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn two_talkers_keep_to_a_campaigns_own_caps_below_its_trunks(pool: PgPool) {
    const CAMPAIGN_CPS: f64 = 5.0;
    const CAMPAIGN_CALLS: i32 = 10;
    const MANY: usize = 40;
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(3000);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), MANY, &prompt);
    spec.cps = 50.0;
    spec.max_lines = 100;
    let campaign = running_campaign(&store, &spec).await;
    sqlx::query("UPDATE campaigns SET cps_cap = $2, concurrency_cap = $3 WHERE id = $1")
        .bind(campaign.id)
        .bind(CAMPAIGN_CPS)
        .bind(CAMPAIGN_CALLS)
        .execute(&pool)
        .await
        .unwrap();

    let shutdown = CancellationToken::new();
    let talkers = spawn_talkers(&store, "campaign-caps", 2, Some(&test_redis(&pool).await), &shutdown).await;
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(90)).await;
    shutdown.cancel();
    for talker in talkers {
        talker.await.unwrap().unwrap();
    }
    assert_eq!(summary.outcomes.get("answered"), Some(&(MANY as i64)), "{summary:?}");

    let (busiest, peak) = carrier_load(&carrier, MANY);
    assert!(busiest as f64 <= CAMPAIGN_CPS, "{busiest} INVITEs in one second at a {CAMPAIGN_CPS} CPS campaign cap");
    assert!(peak <= CAMPAIGN_CALLS as usize, "{peak} calls at once at a {CAMPAIGN_CALLS}-call campaign cap");
    assert_eq!(peak, CAMPAIGN_CALLS as usize, "the concurrent-calls cap never bound");
    assert_eq!(dialing_nodes(&pool, campaign.id).await, 2, "both talkers took part");

    // The decision log names the campaign's caps, never the trunk's.
    let waits: Vec<(String,)> =
        sqlx::query_as("SELECT reason FROM decisions WHERE campaign_id = $1 AND decision = 'waited'")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(!waits.is_empty(), "contacts waited for the campaign's caps");
    for (reason,) in &waits {
        assert!(reason.starts_with("campaign_"), "a wait on {reason}: the trunk's caps never bound");
    }
    // So does the preflight: the campaign sets both ceilings, and its
    // recent decisions are the campaign's cap waits.
    let preflight = store.preflight(campaign.id).await.unwrap();
    assert_eq!(preflight.limits.cps, Some(CAMPAIGN_CPS));
    assert_eq!(preflight.limits.cps_set_by.as_deref(), Some("campaign"));
    assert_eq!(preflight.limits.concurrent_calls, Some(i64::from(CAMPAIGN_CALLS)));
    assert_eq!(preflight.limits.concurrent_calls_set_by.as_deref(), Some("campaign"));
    assert!(
        preflight.recent_decisions.keys().any(|reason| reason.starts_with("campaign_")),
        "{:?}",
        preflight.recent_decisions
    );
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn two_talkers_never_exceed_the_trunks_cps_or_lines(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(1500);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), CONTACTS, &prompt);
    spec.cps = CPS;
    spec.max_lines = LINES;
    let campaign = running_campaign(&store, &spec).await;

    let redis = test_redis(&pool).await;

    let shutdown = CancellationToken::new();
    let talkers = spawn_talkers(&store, "caps-test", 2, Some(&redis), &shutdown).await;
    let summary = wait_until_done(&store, campaign.id, Duration::from_secs(60)).await;
    shutdown.cancel();
    for talker in talkers {
        talker.await.unwrap().unwrap();
    }
    assert_eq!(summary.outcomes.get("answered"), Some(&(CONTACTS as i64)), "{summary:?}");

    // CPS: no one-second window holds more than CPS INVITEs. Lines: never
    // more calls open at once than the trunk's lines, and the cap was
    // reached (it really bound).
    let (busiest, peak) = carrier_load(&carrier, CONTACTS);
    assert!(busiest as f64 <= CPS, "{busiest} INVITEs in one second");
    assert!(peak <= LINES as usize, "{peak} calls at once on a {LINES}-line trunk");
    assert_eq!(peak, LINES as usize, "the line cap never bound");
    assert_eq!(dialing_nodes(&pool, campaign.id).await, 2, "both talkers took part");
    // Contacts held back by the line cap say so in the decision log, with
    // when the wait ended (their INVITE).
    let waits: Vec<(String, DateTime<Utc>, DateTime<Utc>)> =
        sqlx::query_as("SELECT reason, at, until FROM decisions WHERE campaign_id = $1 AND decision = 'waited'")
            .bind(campaign.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(waits.iter().any(|(reason, _, _)| reason == "trunk_line_cap"), "line-cap waits are logged: {waits:?}");
    for (_, began, ended) in &waits {
        assert!(*ended - *began >= chrono::Duration::milliseconds(1000), "{began} .. {ended}");
    }
}

/// A Talker claims a trunk's contacts at most two seconds of its CPS ahead
/// (`DIAL_AHEAD`), from its first claim: also for a campaign whose trunk
/// was created after the Talker started, before any call has read it. (It
/// used to claim a full batch then: one node hoarded contacts the others
/// could dial, and lost them all if it died.)
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_new_trunks_first_claims_keep_to_its_cps(pool: PgPool) {
    const SLOW_CPS: f64 = 2.0;
    const MANY: usize = 20;
    let store = Store::from_pool(pool.clone());
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(1000);
    let redis = test_redis(&pool).await;

    let shutdown = CancellationToken::new();
    let talkers = spawn_talkers(&store, "ahead-test", 1, Some(&redis), &shutdown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut spec = CampaignSpec::new(carrier.sip_addr(), MANY, &prompt);
    spec.cps = SLOW_CPS;
    spec.max_lines = MANY as i32;
    let campaign = running_campaign(&store, &spec).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (claimed,): (i64,) = sqlx::query_as("SELECT count(*) FROM attempts WHERE campaign_id = $1")
        .bind(campaign.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    shutdown.cancel();
    for talker in talkers {
        talker.await.unwrap().unwrap();
    }
    // 2 s ahead at 2 CPS is 4 waiting, plus the at most 4 INVITEs sent in
    // 1.5 s; a full claim would be all 20 (the Talker has room for 20 calls).
    assert!(claimed > 0, "the campaign was dialed");
    assert!(claimed <= 8, "{claimed} contacts claimed in the first 1.5 s at {SLOW_CPS} CPS");
}
