//! `list-bench`: Herald's black and white lists at ten million entries.
//!
//! 1. Bulk-loads `--entries` numbers (and a thousand prefixes) into a new
//!    global blacklist with the upload path (`Store::add_list_entries`,
//!    `--chunk` entries per statement, as `PUT /lists/{id}/data` does).
//! 2. Asks `Store::list_verdict` — what a Talker asks just before every
//!    dial — for `--lookups` numbers from `--workers` concurrent askers:
//!    half of them listed, a tenth under a listed prefix, the rest not.
//!    Every answer is checked against what was loaded.
//!
//! Prints entries/s and lookups/s with latency percentiles and writes JSON.
//! It touches only the list it creates, in the database
//! `HERALD__DATABASE__URL` (or `DATABASE_URL`) names, and deletes it at the
//! end; run it against a scratch database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use herald_store::{NewListEntry, Store};

#[derive(Debug, Parser)]
#[command(name = "list-bench", version)]
struct Args {
    /// Numbers to put on the list.
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u32).range(1000..=50_000_000))]
    entries: u32,
    /// Entries per upload statement.
    #[arg(long, default_value_t = 10_000)]
    chunk: usize,
    /// Verdicts to ask for.
    #[arg(long, default_value_t = 100_000)]
    lookups: u32,
    /// Concurrent askers (as many calls about to dial).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Where to write the JSON report.
    #[arg(long, default_value = "loadtest/results/list-bench.json")]
    json: PathBuf,
}

/// The listed numbers are the even ones of `+1303 0000000 …`; the
/// thousand prefixes `+1304 000 …` cover every number beneath them.
fn listed_number(index: u32) -> String {
    format!("+1303{:07}", index * 2)
}

fn prefix(index: u32) -> String {
    format!("+1304{index:03}")
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
    let list = store.create_list(&format!("list-bench {stamp}"), "black", None).await?;

    // 1. Upload.
    let started = Instant::now();
    let mut loaded = 0u64;
    let mut batch = Vec::with_capacity(args.chunk);
    let entry = |pattern: String, is_prefix: bool| NewListEntry { pattern, is_prefix, reason: None, expires_at: None };
    for index in 0..args.entries {
        batch.push(entry(listed_number(index), false));
        if batch.len() == args.chunk {
            loaded += store.add_list_entries(list, &batch).await?;
            batch.clear();
        }
    }
    batch.extend((0..1000).map(|index| entry(prefix(index), true)));
    loaded += store.add_list_entries(list, &batch).await?;
    let load_secs = started.elapsed().as_secs_f64();
    println!("load:   {loaded} entries in {load_secs:.1} s = {:.0} entries/s", loaded as f64 / load_secs);

    // 2. Verdicts, each checked.
    let store = Arc::new(store);
    let per_worker = args.lookups / args.workers;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.workers {
        let store = Arc::clone(&store);
        let entries = args.entries;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker as usize);
            let mut state = 0x9E37_79B9_u32.wrapping_mul(worker + 1);
            for _ in 0..per_worker {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let index = state % entries;
                let (phone, listed) = match state % 10 {
                    0..=4 => (listed_number(index), true),
                    5 => (format!("{}{:04}", prefix(index % 1000), index % 10_000), true),
                    _ => (format!("+1303{:07}", (index * 2 + 1) % 10_000_000), false),
                };
                let asked = Instant::now();
                let verdict = store.list_verdict(0, &phone).await?;
                latencies.push(asked.elapsed());
                anyhow::ensure!(verdict.blacklisted == listed, "{phone}: blacklisted {}", verdict.blacklisted);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let lookup_secs = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    let (p50, p99, max) = (percentile(0.5), percentile(0.99), percentile(1.0));
    let rate = latencies.len() as f64 / lookup_secs;
    println!(
        "verdict: {} lookups in {lookup_secs:.1} s = {rate:.0}/s ({} workers); p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        latencies.len(),
        args.workers
    );
    let report = serde_json::json!({
        "entries": loaded,
        "load_secs": load_secs,
        "entries_per_sec": loaded as f64 / load_secs,
        "lookups": latencies.len(),
        "workers": args.workers,
        "lookups_per_sec": rate,
        "lookup_ms": {"p50": p50, "p99": p99, "max": max},
    });
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)? + "\n")?;
    println!("JSON: {}", args.json.display());
    sqlx::query("DELETE FROM lists WHERE id = $1").bind(list).execute(store.pool()).await?;
    Ok(())
}
