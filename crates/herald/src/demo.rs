//! `herald demo`: a campaign against the SIPp demo carrier, end to end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use herald_config::Config;
use herald_store::{CampaignStatus, NewCampaign, NewContact, NewPrompt, NewTrunk, Store};
use herald_types::E164;
use sha2::Digest;

/// How often `herald demo` prints its progress line.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

pub(crate) struct DemoOptions {
    pub contacts: u32,
    pub carrier: String,
    pub cps: f64,
    pub ring_timeout_secs: i32,
    pub timeout_secs: u64,
    pub json: bool,
    /// The prompt file; the bundled welcome prompt when absent.
    pub prompt: Option<PathBuf>,
    pub max_lines: i32,
    /// The carrier answers every call (rather than `uas_mix.xml`'s script).
    pub everyone_answers: bool,
}

/// What the demo carrier (`loadtest/sipp/uas_mix.xml`) does with a number,
/// by its last digit.
pub(crate) fn expected_outcome(phone: &str) -> &'static str {
    match phone.chars().last() {
        Some('0'..='5') => "answered",
        Some('6' | '7') => "busy",
        _ => "no_answer",
    }
}

/// The demo's numbers: last digits cycle 0-9.
pub(crate) fn demo_number(index: u32) -> E164 {
    E164::parse(&format!("+1202{index:07}")).expect("demo numbers are valid E.164")
}

pub(crate) async fn run(config: &Config, options: DemoOptions) -> anyhow::Result<ExitCode> {
    let (host, port) = crate::cli::host_and_port(&options.carrier).context("--carrier must be host:port")?;
    let store = Store::connect(&config.database).await.context("connecting to PostgreSQL")?;
    store.migrate().await?;
    let started = Instant::now();

    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f");
    let mut trunk = NewTrunk::udp(&format!("demo carrier {stamp}"), &host, port);
    trunk.cps_limit = options.cps;
    trunk.max_lines = options.max_lines;
    let trunk = store.create_trunk(&trunk).await?;
    let (audio, filename) = match &options.prompt {
        Some(path) => (
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        ),
        None => (herald_talker::DEFAULT_PROMPT_WAV.to_vec(), "welcome.wav".to_owned()),
    };
    let extension = filename.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    let prompt = herald_media::Prompt::decode(audio.clone(), extension.as_deref())?;
    let prompt_ms = prompt.duration_ms();
    let prompt_id = store
        .create_prompt(&NewPrompt {
            name: format!("demo {filename} {stamp}"),
            content_type: format!("audio/{}", extension.as_deref().unwrap_or("wav")),
            filename,
            duration_ms: prompt_ms as i32,
            sha256: sha2::Sha256::digest(&audio).to_vec(),
            audio,
        })
        .await?;
    let campaign = store
        .create_campaign(&NewCampaign {
            name: format!("demo {stamp}"),
            prompt_id: Some(prompt_id),
            trunk_id: Some(trunk.id),
            caller_id: Some("+12025550100".into()),
            max_attempts: 1,
            ring_timeout_secs: options.ring_timeout_secs,
            retry_rules: serde_json::json!({}),
        })
        .await?;
    let contacts: Vec<NewContact> = (0..options.contacts)
        .map(|index| NewContact {
            phone: demo_number(index),
            tags: serde_json::json!({"name": format!("Demo {index}")}),
            timezone: None,
            import_line: None,
            next_eligible_at: None,
        })
        .collect();
    for chunk in contacts.chunks(5000) {
        store.insert_contacts(campaign.id, chunk).await?;
    }
    store.set_campaign_status(campaign.id, CampaignStatus::Running, "demo").await?;
    if !options.json {
        eprintln!(
            "demo campaign {} started: {} contacts via {}:{} at up to {} CPS",
            campaign.id, options.contacts, host, port, options.cps
        );
    }

    let deadline = started + Duration::from_secs(options.timeout_secs);
    let mut last_done = -1;
    let mut last_progress: Option<Instant> = None;
    let summary = loop {
        // The status is one row; the summary counts every contact and
        // attempt, so it is read for the progress line every few seconds
        // only (benchmarks run this beside the Postgres they measure).
        if store.campaign(campaign.id).await?.status == "completed" {
            break store.campaign_summary(campaign.id).await?;
        }
        if Instant::now() > deadline {
            let summary = store.campaign_summary(campaign.id).await?;
            bail!(
                "campaign {} not complete after {} s ({} of {} done): are `herald all` and the SIPp carrier running?",
                campaign.id,
                options.timeout_secs,
                summary.done,
                summary.contacts
            );
        }
        if !options.json && last_progress.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY) {
            last_progress = Some(Instant::now());
            let summary = store.campaign_summary(campaign.id).await?;
            if summary.done != last_done {
                eprintln!("  {:>6} done, {:>5} in calls, {:>6} queued", summary.done, summary.leased, summary.queued);
                last_done = summary.done;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let elapsed = started.elapsed().as_secs_f64();

    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT phone, last_outcome FROM contacts WHERE campaign_id = $1")
            .bind(campaign.id)
            .fetch_all(store.pool())
            .await?;
    let expect = |phone: &str| if options.everyone_answers { "answered" } else { expected_outcome(phone) };
    let mismatches = rows.iter().filter(|(phone, outcome)| outcome.as_deref() != Some(expect(phone))).count();
    let mut expected: BTreeMap<&str, i64> = BTreeMap::new();
    for (phone, _) in &rows {
        *expected.entry(expect(phone)).or_default() += 1;
    }
    let mut failures: BTreeMap<String, i64> = BTreeMap::new();
    let failed: Vec<(Option<String>, Option<i32>, Option<String>)> = sqlx::query_as(
        "SELECT outcome, sip_code, sip_reason FROM attempts WHERE campaign_id = $1 AND outcome IS DISTINCT FROM 'answered'",
    )
    .bind(campaign.id)
    .fetch_all(store.pool())
    .await?;
    for (outcome, code, reason) in failed {
        let key = format!(
            "{} {} {}",
            outcome.as_deref().unwrap_or("none"),
            code.map(|code| code.to_string()).unwrap_or_default(),
            reason.unwrap_or_default()
        );
        *failures.entry(key.trim().to_owned()).or_default() += 1;
    }
    // The most calls up at once: +1 at each answer, -1 at each end.
    let (peak_concurrent,): (Option<i64>,) = sqlx::query_as(
        "SELECT max(up) FROM (SELECT sum(step) OVER (ORDER BY at, step) AS up FROM ( \
             SELECT answered_at AS at, 1 AS step FROM attempts WHERE campaign_id = $1 AND answered_at IS NOT NULL \
             UNION ALL \
             SELECT ended_at, -1 FROM attempts WHERE campaign_id = $1 AND answered_at IS NOT NULL) AS steps) AS running",
    )
    .bind(campaign.id)
    .fetch_one(store.pool())
    .await?;
    let (call_seconds, last_answer, first_end): (Option<f64>, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT (sum(talk_ms) / 1000.0)::float8, extract(epoch FROM max(answered_at))::float8, \
                extract(epoch FROM min(ended_at))::float8 \
         FROM attempts WHERE campaign_id = $1 AND answered_at IS NOT NULL",
    )
    .bind(campaign.id)
    .fetch_one(store.pool())
    .await?;
    let (invites, first, last, mean_talk_ms): (i64, Option<f64>, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT count(invite_at), extract(epoch FROM min(invite_at))::float8, \
                    extract(epoch FROM max(invite_at))::float8, \
                    avg(talk_ms) FILTER (WHERE outcome = 'answered')::float8 \
             FROM attempts WHERE campaign_id = $1",
    )
    .bind(campaign.id)
    .fetch_one(store.pool())
    .await?;
    let achieved_cps = match (first, last) {
        (Some(first), Some(last)) if last > first => (invites - 1) as f64 / (last - first),
        _ => 0.0,
    };

    let report = serde_json::json!({
        "campaign_id": campaign.id,
        "contacts": summary.contacts,
        "outcomes": summary.outcomes,
        "expected": expected,
        "mismatches": mismatches,
        "attempts": summary.attempts,
        "achieved_cps": (achieved_cps * 10.0).round() / 10.0,
        "prompt_ms": prompt_ms,
        "mean_answered_talk_ms": mean_talk_ms.map(|ms| ms.round()),
        "peak_concurrent_calls": peak_concurrent.unwrap_or(0),
        "call_seconds": call_seconds.map(|seconds| seconds.round()).unwrap_or(0.0),
        "not_answered": failures,
        "first_invite_unix": first,
        "last_invite_unix": last,
        "last_answer_unix": last_answer,
        "first_answered_end_unix": first_end,
        "elapsed_secs": (elapsed * 10.0).round() / 10.0,
    });
    if options.json {
        println!("{report}");
    } else {
        println!("campaign {} complete in {elapsed:.1} s", campaign.id);
        for (outcome, count) in &summary.outcomes {
            let wanted = expected.get(outcome.as_str()).copied().unwrap_or(0);
            println!("  {outcome:<15} {count:>6}   (carrier script: {wanted})");
        }
        println!("  attempts        {:>6}", summary.attempts);
        println!("  achieved CPS    {achieved_cps:>6.1}");
        if let Some(talk) = mean_talk_ms {
            println!(
                "  answered calls lasted {:.1} s on average (prompt: {:.1} s)",
                talk / 1000.0,
                prompt_ms as f64 / 1000.0
            );
        }
        println!("  outcome ≠ carrier behaviour: {mismatches}");
    }
    Ok(if mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_numbers_cycle_through_the_carrier_script() {
        let outcomes: Vec<&str> = (0..10).map(|index| expected_outcome(demo_number(index).as_str())).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "answered").count(), 6);
        assert_eq!(outcomes.iter().filter(|o| **o == "busy").count(), 2);
        assert_eq!(outcomes.iter().filter(|o| **o == "no_answer").count(), 2);
    }
}
