//! The two promises — nobody is called twice, no outcome is lost — when
//! Postgres goes dark for one `herald` process (its connections relayed
//! through a proxy the test freezes: packets stop, nothing closes):
//! - a Talker cut off mid-call hangs its calls up before its lease could
//!   expire (the lease guard), journals their records, and writes them when
//!   Postgres is back;
//! - a Talker killed with records still in its journal: the next Talker on
//!   the same disk replays them, and nobody is called again;
//! - the Scheduler leader cut off: leadership moves to the standby within
//!   its lease, and the old leader stands by when it is back.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use herald_store::Store;
use sqlx::PgPool;
use support::proxy::FreezableProxy;
use support::{CampaignSpec, HeraldProcess, ScratchDir, SippCarrier, TestPrompt, carrier_dialogs, running_campaign};

/// A test process's environment, with Postgres deadlines and a leader
/// lease short enough for a frozen connection to show within seconds.
fn environment(database_url: &str, node_id: &str, lease_secs: u64) -> Vec<(&'static str, String)> {
    let mut environment = support::herald_environment(database_url, node_id, 10, lease_secs);
    environment.extend([
        ("HERALD__DATABASE__CONNECT_TIMEOUT_SECS", "2".to_owned()),
        ("HERALD__DATABASE__DEADLINE_MS", "1000".to_owned()),
        ("HERALD__SCHEDULER__LEADER_LEASE_SECS", "3".to_owned()),
    ]);
    environment
}

/// The test database's URL, and its server's address (for the proxy).
async fn database(pool: &PgPool) -> (String, SocketAddr) {
    let url = support::database_url(pool).await;
    let options = pool.connect_options();
    let host = if options.get_host() == "localhost" { "127.0.0.1" } else { options.get_host() };
    let server: SocketAddr = format!("{host}:{}", options.get_port()).parse().expect("a TCP server address");
    (url, server)
}

/// Waits until the carrier has answered `count` calls (200 OK to INVITE).
async fn wait_for_answered_calls(carrier: &SippCarrier, process: &mut HeraldProcess, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answered = carrier.answered_calls();
        if answered >= count {
            return;
        }
        process.assert_running();
        assert!(Instant::now() < deadline, "the carrier answered {answered} calls, not {count}:\n{}", process.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Journal entries waiting in `dir` (lines of its `*.journal` files).
fn journaled(dir: &Path) -> usize {
    let Ok(files) = std::fs::read_dir(dir) else { return 0 };
    files
        .filter_map(|file| file.ok().map(|file| file.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "journal"))
        .map(|path| std::fs::read_to_string(path).unwrap_or_default().lines().count())
        .sum()
}

async fn wait_until(what: &str, seconds: u64, mut done: impl AsyncFnMut() -> bool, log: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(Instant::now() < deadline, "{what} within {seconds} s:\n{}", log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn contacts_in(pool: &PgPool, campaign_id: i64, state: &str) -> usize {
    support::contacts(pool, campaign_id).await.iter().filter(|contact| contact.state == state).count()
}

/// Every contact answered once, by one call the carrier saw, recorded by `node`.
async fn assert_answered_once(pool: &PgPool, campaign_id: i64, carrier: &SippCarrier, contacts: usize, node: &str) {
    let attempts = support::assert_every_contact_done_once(pool, campaign_id).await;
    assert_eq!(attempts.len(), contacts, "one attempt per contact: {attempts:#?}");
    let dialogs = carrier_dialogs(&carrier.messages());
    assert_eq!(dialogs.len(), contacts, "the carrier saw one call per contact, none again: {dialogs:#?}");
    for attempt in &attempts {
        assert_eq!((attempt.outcome.as_deref(), attempt.node_id.as_str()), (Some("answered"), node), "{attempt:?}");
        let call_id = attempt.sip_call_id.as_deref().expect("the call's Call-ID is recorded");
        assert!(dialogs.iter().any(|dialog| dialog.call_id == call_id && dialog.callee == attempt.phone));
    }
}

/// A Talker whose Postgres goes dark while its calls are up hangs them up
/// before its lease could expire — the reaper may hand the contacts to
/// another node then — though its renewal is stuck on the dark connection;
/// the records go to its journal and reach Postgres once it is back.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_talker_cut_off_from_postgres_hangs_up_within_its_lease_and_records_later(pool: PgPool) {
    const CONTACTS: usize = 4;
    const LEASE_SECS: u64 = 6;
    let store = Store::from_pool(pool.clone());
    let scratch = ScratchDir::new("cut-off-talker");
    let (url, server) = database(&pool).await;
    let proxy = FreezableProxy::start(server).await;
    let mut carrier = SippCarrier::start("uas_answer.xml", &[]);
    // Calls that would last 30 s: far past the lease.
    let prompt = TestPrompt::tone(30_000);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), CONTACTS, &prompt)).await;
    let mut talker = HeraldProcess::spawn(
        "talker",
        &["talker"],
        &environment(&proxy.url(&url), "talker", LEASE_SECS),
        scratch.path(),
    );
    wait_for_answered_calls(&carrier, &mut talker, CONTACTS).await;

    proxy.freeze();
    let frozen_at = Utc::now();
    let hung_up = async || carrier_dialogs(&carrier.messages()).iter().all(|dialog| dialog.bye_at.is_some());
    wait_until("every call hung up", 15, hung_up, || talker.log()).await;
    for dialog in carrier_dialogs(&carrier.messages()) {
        let after = (dialog.bye_at.unwrap() - frozen_at).to_std().unwrap_or_default();
        assert!(
            after < Duration::from_secs(LEASE_SECS),
            "{} hung up {after:?} after Postgres went dark, past the {LEASE_SECS} s lease",
            dialog.call_id
        );
    }
    let journal = scratch.path().join("journal");
    let all_journaled = async || journaled(&journal) == CONTACTS;
    wait_until("every record journaled", 15, all_journaled, || talker.log()).await;
    assert_eq!(contacts_in(&pool, campaign.id, "leased").await, CONTACTS, "nothing reached Postgres while dark");

    proxy.thaw();
    let recorded = async || contacts_in(&pool, campaign.id, "done").await == CONTACTS;
    wait_until("every record replayed", 20, recorded, || talker.log()).await;
    assert_answered_once(&pool, campaign.id, &carrier, CONTACTS, "talker").await;
    assert_eq!(journaled(&journal), 0, "the journal is empty once replayed");
    let status = talker.terminate(Duration::from_secs(15));
    assert!(status.is_some_and(|status| status.success()), "{status:?}:\n{}", talker.log());
    carrier.stop();
}

/// A Talker killed with records in its journal: the next Talker started on
/// the same disk (another node id) replays them before it claims, and the
/// people are not called again.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_killed_talkers_journal_is_replayed_by_the_next_one_on_its_disk(pool: PgPool) {
    const CONTACTS: usize = 3;
    const LEASE_SECS: u64 = 30;
    let store = Store::from_pool(pool.clone());
    let scratch = ScratchDir::new("journal-restart");
    let (url, server) = database(&pool).await;
    let proxy = FreezableProxy::start(server).await;
    let mut carrier = SippCarrier::start("uas_answer.xml", &[]);
    let prompt = TestPrompt::tone(3000);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), CONTACTS, &prompt)).await;
    let mut first = HeraldProcess::spawn(
        "talker-1",
        &["talker"],
        &environment(&proxy.url(&url), "talker-1", LEASE_SECS),
        scratch.path(),
    );
    wait_for_answered_calls(&carrier, &mut first, CONTACTS).await;

    // Postgres goes dark; the calls end; their records go to the journal.
    proxy.freeze();
    let journal = scratch.path().join("journal");
    let all_journaled = async || journaled(&journal) == CONTACTS;
    wait_until("every record journaled", 20, all_journaled, || first.log()).await;
    first.kill_hard();
    drop(proxy);
    assert_eq!(contacts_in(&pool, campaign.id, "leased").await, CONTACTS);

    let mut second =
        HeraldProcess::spawn("talker-2", &["talker"], &environment(&url, "talker-2", LEASE_SECS), scratch.path());
    let recorded = async || contacts_in(&pool, campaign.id, "done").await == CONTACTS;
    wait_until("the journal replayed by the next talker", 20, recorded, || second.log()).await;
    assert_answered_once(&pool, campaign.id, &carrier, CONTACTS, "talker-1").await;
    assert_eq!(journaled(&journal), 0, "the adopted journal is gone once replayed");
    assert!(second.log().contains("adopting a journal"), "{}", second.log());
    let status = second.terminate(Duration::from_secs(15));
    assert!(status.is_some_and(|status| status.success()), "{status:?}:\n{}", second.log());
    carrier.stop();
}

async fn leader(pool: &PgPool) -> Option<String> {
    sqlx::query_scalar("SELECT holder FROM scheduler_leader WHERE until > now()")
        .fetch_optional(pool)
        .await
        .expect("reading the leader")
}

/// The Scheduler leader's network goes dark (no FIN, no RST: its session
/// stays open as far as Postgres knows): the standby leads within the
/// leader's lease, and the old leader, back, stands by.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn leadership_moves_when_the_leaders_network_goes_dark(pool: PgPool) {
    let scratch = ScratchDir::new("leadership");
    let (url, server) = database(&pool).await;
    let proxy = FreezableProxy::start(server).await;
    let mut first = HeraldProcess::spawn(
        "scheduler-a",
        &["scheduler"],
        &environment(&proxy.url(&url), "scheduler-a", 3),
        scratch.path(),
    );
    let a_leads = async || leader(&pool).await.is_some_and(|holder| holder.starts_with("scheduler-a#"));
    wait_until("scheduler A leads", 15, a_leads, || first.log()).await;
    let mut second =
        HeraldProcess::spawn("scheduler-b", &["scheduler"], &environment(&url, "scheduler-b", 3), scratch.path());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(leader(&pool).await.is_some_and(|holder| holder.starts_with("scheduler-a#")), "B waits while A leads");

    proxy.freeze();
    let frozen_at = Instant::now();
    let b_leads = async || leader(&pool).await.is_some_and(|holder| holder.starts_with("scheduler-b#"));
    wait_until("scheduler B leads", 10, b_leads, || second.log()).await;
    let moved_after = frozen_at.elapsed();
    assert!(moved_after < Duration::from_secs(6), "leadership took {moved_after:?} to move (lease 3 s)");

    proxy.thaw();
    let a_stands_by = async || first.log().contains("standing by");
    wait_until("scheduler A stands by", 10, a_stands_by, || first.log()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(leader(&pool).await.is_some_and(|holder| holder.starts_with("scheduler-b#")), "B still leads");
    for process in [&mut first, &mut second] {
        process.assert_running();
        let status = process.terminate(Duration::from_secs(10));
        assert!(status.is_some_and(|status| status.success()), "{status:?}:\n{}", process.log());
    }
}
