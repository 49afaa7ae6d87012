//! `claim-bench`: Herald's dispatch path against PostgreSQL, measured.
//!
//! 1. Loads `--contacts` contacts into a new campaign with the importer's
//!    `COPY` path (`Store::copy_contacts`, 50,000 rows per transaction).
//! 2. Leases them all with `--workers` concurrent claimers, each calling
//!    `Store::claim_due` for `--batch` contacts at a time (what every
//!    Talker's claim loop does), optionally writing each attempt's terminal
//!    record (`Store::finish_attempt`) as a call's end would — one by one,
//!    or with `--finish-batched` a claimed batch's records in one statement
//!    (`Store::finish_attempts`), as a Talker's record writer does when its
//!    calls end together.
//!
//! Prints contacts/s for each phase and writes JSON. It touches only the
//! campaign it creates, in the database `HERALD__DATABASE__URL` (or
//! `DATABASE_URL`) names; run it against a scratch database.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use herald_store::{AttemptRecord, CampaignStatus, ContactNext, NewCampaign, NewContact, Store};
use herald_types::{E164, Outcome};

#[derive(Debug, Parser)]
#[command(name = "claim-bench", version)]
struct Args {
    /// Contacts to load and then lease.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    contacts: u32,
    /// Concurrent claimers (as many Talkers' claim loops).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Contacts per claim query (`talker.claim_batch`).
    #[arg(long, default_value_t = 200)]
    batch: i64,
    /// Also write every attempt's terminal record, as calls ending would.
    #[arg(long)]
    finish: bool,
    /// With --finish: write each claimed batch's records in one statement.
    #[arg(long, requires = "finish")]
    finish_batched: bool,
    /// Where to write the JSON report.
    #[arg(long, default_value = "loadtest/results/claim-bench.json")]
    json: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = std::env::var("HERALD__DATABASE__URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .context("set HERALD__DATABASE__URL (or DATABASE_URL) to a scratch database")?;
    let config = herald_config::DatabaseConfig {
        url,
        max_connections: args.workers + 2,
        ..herald_config::DatabaseConfig::default()
    };
    let store = Store::connect(&config).await.context("connecting to PostgreSQL")?;
    store.migrate().await?;

    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f");
    let campaign = store
        .create_campaign(&NewCampaign {
            name: format!("claim-bench {stamp}"),
            prompt_id: None,
            trunk_id: None,
            caller_id: None,
            max_attempts: 1,
            ring_timeout_secs: 30,
            retry_rules: serde_json::json!({}),
        })
        .await?;

    // 1. COPY.
    let contacts: Vec<NewContact> = (0..args.contacts)
        .map(|index| NewContact {
            phone: E164::parse(&format!("+1202{index:07}")).expect("valid E.164"),
            tags: serde_json::json!({"name": format!("Contact {index}"), "account": index}),
            timezone: None,
            import_line: i32::try_from(index + 2).ok(),
            next_eligible_at: None,
        })
        .collect();
    let started = Instant::now();
    let mut loaded = 0;
    for chunk in contacts.chunks(50_000) {
        loaded += store.copy_contacts(campaign.id, chunk).await?;
    }
    let copy_secs = started.elapsed().as_secs_f64();
    drop(contacts);
    println!("copy:  {loaded} contacts in {copy_secs:.1} s = {:.0} contacts/s", loaded as f64 / copy_secs);
    store.set_campaign_status(campaign.id, CampaignStatus::Running, "claim-bench").await?;

    // 2. Claims (and records).
    let claimed = Arc::new(AtomicU64::new(0));
    let queries = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..args.workers {
        let store = store.clone();
        let claimed = Arc::clone(&claimed);
        let queries = Arc::clone(&queries);
        let (campaign, batch, finish, batched) = (campaign.id, args.batch, args.finish, args.finish_batched);
        workers.push(tokio::spawn(async move {
            let node = format!("claim-bench-{worker}");
            loop {
                let claims = store.claim_due(&node, campaign, batch, 300).await?;
                queries.fetch_add(1, Ordering::Relaxed);
                if claims.is_empty() {
                    return anyhow::Ok(());
                }
                claimed.fetch_add(claims.len() as u64, Ordering::Relaxed);
                if finish {
                    let records: Vec<AttemptRecord> = claims
                        .iter()
                        .map(|claim| {
                            let mut record = AttemptRecord::for_claim(claim, Outcome::Answered);
                            record.sip_code = Some(200);
                            record
                        })
                        .collect();
                    if batched {
                        let finished: Vec<_> = records.iter().map(|record| (record, ContactNext::Done)).collect();
                        store.finish_attempts(&node, &finished).await?;
                    } else {
                        for record in &records {
                            store.finish_attempt(&node, record, ContactNext::Done).await?;
                        }
                    }
                }
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let claim_secs = started.elapsed().as_secs_f64();
    let claimed = claimed.load(Ordering::Relaxed);
    let rate = claimed as f64 / claim_secs;
    let phase = match (args.finish, args.finish_batched) {
        (true, true) => "claim + batched record",
        (true, false) => "claim + record",
        _ => "claim",
    };
    println!(
        "{phase}: {claimed} contacts in {claim_secs:.1} s = {rate:.0} contacts/s ({} workers, batch {}, {} queries)",
        args.workers,
        args.batch,
        queries.load(Ordering::Relaxed)
    );

    let report = serde_json::json!({
        "contacts": args.contacts,
        "copy_seconds": copy_secs,
        "copy_contacts_per_second": loaded as f64 / copy_secs,
        "workers": args.workers,
        "batch": args.batch,
        "finish": args.finish,
        "finish_batched": args.finish_batched,
        "claimed": claimed,
        "claim_seconds": claim_secs,
        "claimed_contacts_per_second": rate,
        "campaign_id": campaign.id,
    });
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)? + "\n")?;
    println!("JSON: {}", args.json.display());
    Ok(())
}
