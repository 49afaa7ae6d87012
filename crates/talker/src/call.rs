//! One call attempt, from claimed contact to terminal record.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use herald_policy::{
    CallingWindow, CampaignHours, NextStep, RetryRules, after_attempt, contact_zones, next_eligible_at,
};
use herald_sip::{DigestCredential, SipTransport, TrunkTarget};
use herald_store::{AttemptRecord, ClaimedAttempt, ContactNext, DialPlan, FinishResult};
use herald_types::Outcome;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::Shared;
use crate::dial::{DialRequest, ScriptCall, dial};

/// A running campaign's dial plan with its JSON rules parsed once per claim
/// round, shared read-only by the calls of that round.
pub(crate) struct CampaignRules {
    pub(crate) plan: DialPlan,
    /// The campaign's own caps, when it has any.
    pub(crate) gate: Option<Arc<crate::gate::CampaignGate>>,
    /// The campaign's local calling hours (one window, or per country).
    hours: CampaignHours,
    retry_rules: RetryRules,
}

impl CampaignRules {
    pub(crate) fn new(plan: DialPlan, gate: Option<Arc<crate::gate::CampaignGate>>) -> CampaignRules {
        let hours = CampaignHours::from_campaign_json(&plan.calling_window).unwrap_or_else(|error| {
            // Never call when the hours cannot be read.
            warn!(%error, campaign = plan.id, "invalid calling window: treating it as closed");
            CampaignHours::Window(CallingWindow::closed())
        });
        let retry_rules = serde_json::from_value(plan.retry_rules.clone()).unwrap_or_else(|error| {
            warn!(%error, campaign = plan.id, "invalid retry rules: using defaults");
            RetryRules::default()
        });
        CampaignRules { plan, gate, hours, retry_rules }
    }
}

/// Checks the contact may be called now, places the call and records its
/// outcome.
pub(crate) async fn run_attempt(
    shared: &Arc<Shared>,
    rules: &CampaignRules,
    claim: ClaimedAttempt,
    lists: ListCheck,
    waiting: crate::gate::Waiting,
    cancel: CancellationToken,
) {
    // Every await below is boxed: a spawned task's allocation is the size of
    // its largest await state, held for the whole call, and the store's and
    // Redis's futures are kilobytes. Boxed, each lives only while it runs
    // (≈ 10 KiB less per concurrent call; see loadtest/README.md).
    let plan = &rules.plan;
    let hours = CallingHours::of(rules, &claim);
    // Lists (read for the whole claimed batch: `check_lists`), the number's
    // daily cap and the calling window are checked again at dial time: any
    // may have changed since the contact became due.
    let now = Utc::now();
    if let ListCheck::Refused(reason) = lists {
        info!(reason, "not dialed: lists");
        if let Err(error) = Box::pin(shared.store.skip_claim(&shared.node_id, &claim, reason)).await {
            warn!(%error, "skipping the contact failed: the reaper will re-queue it");
        }
    } else if lists == ListCheck::Unknown {
        // Never dial a number the lists could not vouch for; try again soon.
        if let Err(error) =
            Box::pin(shared.store.defer_claim(&shared.node_id, &claim, now + STORE_ERROR_RECHECK, "lists_unavailable"))
                .await
        {
            warn!(%error, "deferring the contact failed: the reaper will re-queue it");
        }
    } else if let Some(allowed_at) = Box::pin(number_capped_until(shared, &claim, now)).await {
        info!(%allowed_at, "number's daily cap reached: deferred");
        if let Err(error) =
            Box::pin(shared.store.defer_claim(&shared.node_id, &claim, allowed_at, "number_daily_cap")).await
        {
            warn!(%error, "deferring the contact failed: the reaper will re-queue it");
        }
    } else if let Some(reopens_at) = hours.closed_until(now) {
        info!(%reopens_at, "outside the calling window: deferred");
        if let Err(error) =
            Box::pin(shared.store.defer_claim(&shared.node_id, &claim, reopens_at, "outside_window")).await
        {
            warn!(%error, "deferring the contact failed: the reaper will re-queue it");
        }
    } else {
        let script = match plan.script_id {
            Some(script_id) => Box::pin(prepare_script(shared, script_id, &claim)).await.map(Some),
            None => Ok(None),
        };
        match (script, Box::pin(caller_for(shared, plan, &claim)).await) {
            (Err(error), _) => {
                // Nothing to say yet (the script is broken, or speech
                // failed): do not ring the person for silence.
                warn!(%error, "cannot prepare the call script: deferred");
                let retry_at = now + STORE_ERROR_RECHECK;
                if let Err(error) =
                    Box::pin(shared.store.defer_claim(&shared.node_id, &claim, retry_at, "script_unavailable")).await
                {
                    warn!(%error, "deferring the contact failed: the reaper will re-queue it");
                }
            }
            (Ok(script), Ok(Some(caller))) => {
                let record = match Box::pin(place_call(shared, rules, &claim, caller, script, waiting, &cancel)).await {
                    Placed::Dialed(record) => record,
                    Placed::StoppedBeforeInvite(why) => {
                        // No INVITE went out: nobody was called, nothing to
                        // count. The contact goes back, due at once.
                        info!(why, "stopped before the INVITE: the contact is given back");
                        Box::pin(release_undialed(shared, &claim, HUNG_UP_BEFORE_DIALING)).await;
                        return;
                    }
                };
                if record.opted_out {
                    Box::pin(record_opt_out(shared, &claim)).await;
                }
                let next = next_step(rules, &claim, &hours, record.outcome);
                Box::pin(record_outcome(shared, &claim, &record, next)).await;
            }
            (Ok(_), result) => {
                // Every number of the pool is resting or at its daily cap (or
                // the pool could not be read): try again later.
                let (retry_at, reason) = match result {
                    Ok(_) => (now + CALLER_IDS_RECHECK, "caller_ids_exhausted"),
                    Err(_) => (now + STORE_ERROR_RECHECK, "caller_ids_unavailable"),
                };
                info!(reason, %retry_at, "no caller ID available: deferred");
                if let Err(error) = Box::pin(shared.store.defer_claim(&shared.node_id, &claim, retry_at, reason)).await
                {
                    warn!(%error, "deferring the contact failed: the reaper will re-queue it");
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListCheck {
    Allowed,
    /// Must not be called: why (the contact's last outcome).
    Refused(&'static str),
    /// The lists could not be read.
    Unknown,
}

/// The campaign's script with its audio for this contact: prompts decoded,
/// `say` text filled in and spoken, before the call is placed.
async fn prepare_script(
    shared: &Shared,
    script_id: i64,
    claim: &ClaimedAttempt,
) -> Result<ScriptCall, crate::resources::ResourceError> {
    let program = shared.resources.script(script_id).await?;
    let audio = shared.resources.script_audio(&program, &shared.speech, &claim.tags, &claim.phone).await?;
    Ok(ScriptCall { program, audio })
}

/// Puts the number on the opt-out blacklist: a person who asked not to be
/// called again must not be. If Postgres cannot take it now, it goes to the
/// journal, replayed before this node claims again.
async fn record_opt_out(shared: &Shared, claim: &ClaimedAttempt) {
    let reason = format!("opted out by keypress (campaign {}, attempt {})", claim.campaign_id, claim.attempt_id);
    let actor = herald_store::Actor::system("talker");
    for retry in [true, false] {
        match shared.store.opt_out(&claim.phone, &reason, &actor).await {
            Ok(()) => {
                info!("number opted out");
                return;
            }
            Err(error) if retry => {
                warn!(%error, "recording the opt-out failed: retrying once");
                tokio::time::sleep(RETRY_ONCE_AFTER).await;
            }
            Err(error) => warn!(%error, "recording the opt-out failed: journaling it"),
        }
    }
    journal(shared, crate::journal::Entry::OptOut { phone: claim.phone.clone(), reason }).await;
}

/// After a failed write to Postgres, the one retry waits this long before
/// the entry goes to the journal.
const RETRY_ONCE_AFTER: Duration = Duration::from_millis(250);

/// Appends to the journal; if even that fails (the disk), says so loudly:
/// the reaper then re-queues the contact after its retry delay.
async fn journal(shared: &Shared, entry: crate::journal::Entry) {
    match shared.journal.append(entry).await {
        Ok(()) => {
            shared.metrics.journaled.inc();
            info!("journaled until postgres can take it");
        }
        Err(error) => tracing::error!(%error, "cannot write the record journal: this result is lost"),
    }
}

/// How long to wait before trying a contact again when a dial-time check
/// (lists, the number's daily cap) could not be read.
const STORE_ERROR_RECHECK: chrono::Duration = chrono::Duration::minutes(1);
/// When a pool has no number to present, the contact waits this long.
const CALLER_IDS_RECHECK: chrono::Duration = chrono::Duration::minutes(15);

/// The caller ID this call presents: from the campaign's pool when it has
/// one (`Ok(None)`: none available now), else its fixed caller ID, else
/// `anonymous`.
async fn caller_for(
    shared: &Shared,
    plan: &DialPlan,
    claim: &ClaimedAttempt,
) -> Result<Option<String>, crate::resources::ResourceError> {
    match plan.caller_id_pool_id {
        Some(pool_id) => {
            shared.resources.caller_id(pool_id, &claim.phone, shared.coord.as_ref()).await.inspect_err(|error| {
                warn!(%error, pool_id, "reading the caller ID pool failed");
            })
        }
        None => Ok(Some(plan.caller_id.clone().unwrap_or_else(|| "anonymous".to_owned()))),
    }
}

/// Checks the black and white lists just before dialing, for a claimed
/// batch at once (one round trip, not one per call), in `claims`' order.
pub(crate) async fn check_lists(shared: &Shared, plan: &DialPlan, claims: &[ClaimedAttempt]) -> Vec<ListCheck> {
    let phones: Vec<&str> = claims.iter().map(|claim| claim.phone.as_str()).collect();
    match shared.store.list_verdicts(plan.id, &phones).await {
        Ok(verdicts) if verdicts.len() == claims.len() => verdicts
            .into_iter()
            .map(|verdict| {
                if verdict.blacklisted {
                    ListCheck::Refused("blacklisted")
                } else if plan.whitelist_only && !verdict.whitelisted {
                    ListCheck::Refused("not_whitelisted")
                } else {
                    ListCheck::Allowed
                }
            })
            .collect(),
        Ok(verdicts) => {
            warn!(asked = claims.len(), answered = verdicts.len(), "the lists answered for other numbers: not dialing");
            vec![ListCheck::Unknown; claims.len()]
        }
        Err(error) => {
            warn!(%error, "cannot read the lists: not dialing");
            vec![ListCheck::Unknown; claims.len()]
        }
    }
}

/// When the number has had `max_calls_per_number_per_day` attempts in the
/// last 24 hours (any campaign): the instant the oldest of them leaves the
/// window. A count that cannot be read defers too, for a minute.
async fn number_capped_until(
    shared: &Shared,
    claim: &ClaimedAttempt,
    now: chrono::DateTime<Utc>,
) -> Option<chrono::DateTime<Utc>> {
    let cap = i64::from(shared.config.max_calls_per_number_per_day);
    if cap == 0 {
        return None;
    }
    let day = chrono::Duration::days(1);
    match shared.store.attempts_to_number_since(&claim.phone, now - day, claim.attempt_id).await {
        Ok((count, oldest)) if count >= cap => Some(oldest.map_or(now + day, |oldest| oldest + day)),
        Ok(_) => None,
        Err(error) => {
            warn!(%error, "cannot count the number's recent calls: deferring");
            Some(now + STORE_ERROR_RECHECK)
        }
    }
}

/// A contact's calling window in its time zones.
struct CallingHours<'a> {
    /// `None`: the campaign has no window.
    window: Option<&'a CallingWindow>,
    zones: Vec<chrono_tz::Tz>,
}

/// How far to push back a contact whose window never opens (or cannot be
/// read): a day, so that a fixed campaign picks it up again.
const UNREADABLE_WINDOW_RETRY: chrono::Duration = chrono::Duration::days(1);

impl CallingHours<'_> {
    fn of<'a>(rules: &'a CampaignRules, claim: &ClaimedAttempt) -> CallingHours<'a> {
        let phone = herald_types::E164::parse(&claim.phone).ok();
        let window = rules.hours.window_for(phone.as_ref());
        let zones = match &phone {
            Some(phone) => contact_zones(phone, claim.timezone.as_deref()).unwrap_or_else(|error| {
                warn!(%error, "unknown contact time zone: using the number's zones");
                contact_zones(phone, None).unwrap_or_default()
            }),
            None => Vec::new(),
        };
        CallingHours { window, zones }
    }

    /// When the window is closed at `now`: when it reopens.
    fn closed_until(&self, now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
        let window = self.window?;
        if window.is_open(&self.zones, now) {
            return None;
        }
        Some(window.next_open(&self.zones, now).unwrap_or(now + UNREADABLE_WINDOW_RETRY))
    }
}

fn next_step(rules: &CampaignRules, claim: &ClaimedAttempt, hours: &CallingHours, outcome: Outcome) -> ContactNext {
    let attempts_made = u32::try_from(claim.attempts_made).unwrap_or(0) + 1;
    let max_attempts = u32::try_from(rules.plan.max_attempts).unwrap_or(1);
    let now = Utc::now();
    let retry_rules = &rules.retry_rules;
    // A retry that falls outside the window moves to its next opening.
    let step = match hours.window {
        Some(window) => next_eligible_at(retry_rules, max_attempts, window, &hours.zones, outcome, attempts_made, now),
        None => after_attempt(retry_rules, max_attempts, outcome, attempts_made, now),
    };
    match step {
        NextStep::Done => ContactNext::Done,
        NextStep::RetryAt(at) => ContactNext::RetryAt(at),
    }
}

/// Writes the record; if Postgres cannot take it (after one retry), it goes
/// to the journal and is replayed before this node claims again (the lease
/// keeps the contact ours meanwhile; past it the reaper makes the contact
/// wait its retry delay, and the replayed record still wins).
async fn record_outcome(shared: &Shared, claim: &ClaimedAttempt, record: &AttemptRecord, next: ContactNext) {
    for retry in [true, false] {
        match shared.recorder.finish(record, next).await {
            Ok(FinishResult::Recorded) => {
                shared.live.recorded(record, claim.campaign_id, claim.contact_id, claim.phone.as_str());
                shared
                    .metrics
                    .attempts_finished
                    .get_or_create(&crate::metrics::OutcomeLabels { outcome: record.outcome.as_str().to_owned() })
                    .inc();
                info!(outcome = %record.outcome, sip_code = record.sip_code, talk_ms = record.talk_ms, "attempt recorded");
                return;
            }
            Ok(FinishResult::AlreadyFinal) if retry => {
                // Written while the reaper was closing the lease, the record
                // saw the contact neither leased nor lost yet; once the
                // reaper's write is in, it replaces the lost attempt.
                tokio::time::sleep(RETRY_ONCE_AFTER).await;
            }
            Ok(FinishResult::AlreadyFinal) => {
                shared.metrics.stale_records.inc();
                warn!(outcome = %record.outcome, "attempt already final (lease moved on): result dropped");
                return;
            }
            Err(error) if retry => {
                warn!(%error, "recording the attempt failed: retrying once");
                tokio::time::sleep(RETRY_ONCE_AFTER).await;
            }
            Err(error) => warn!(%error, outcome = %record.outcome, "recording the attempt failed: journaling it"),
        }
    }
    let entry = crate::journal::Entry::Record { node: shared.node_id.clone(), record: Box::new(record.clone()), next };
    journal(shared, entry).await;
}

/// The decision log's reason for a contact given back because its call was
/// stopped (lease unconfirmed, node draining) before its INVITE.
const HUNG_UP_BEFORE_DIALING: &str = "hung_up_before_dialing";

/// What became of a call placed through the gate. (Returned once per call
/// and taken apart at once: not worth an allocation per call to shrink.)
#[allow(clippy::large_enum_variant)]
enum Placed {
    /// It was tried (an INVITE went out, or it could not be placed at all):
    /// its terminal record.
    Dialed(AttemptRecord),
    /// It was stopped (its lease unconfirmed, its node draining) before any
    /// INVITE went out: why.
    StoppedBeforeInvite(&'static str),
}

/// Gives a claimed contact that was never dialed back (its attempt row
/// goes, it is due at once); if Postgres cannot take that now, the journal
/// keeps it — replayed, it also undoes the `lost_with_node` the reaper may
/// have written meanwhile, so the contact is called, not closed.
async fn release_undialed(shared: &Shared, claim: &ClaimedAttempt, reason: &'static str) {
    let mut released = shared.store.defer_claim(&shared.node_id, claim, Utc::now(), reason).await;
    if matches!(released, Ok(false)) {
        // Perhaps racing the reaper (see `record_outcome`): once more.
        tokio::time::sleep(RETRY_ONCE_AFTER).await;
        released = shared.store.defer_claim(&shared.node_id, claim, Utc::now(), reason).await;
    }
    match released {
        Ok(_) => {}
        Err(error) => {
            warn!(%error, "giving the contact back failed: journaling it");
            let entry = crate::journal::Entry::Release {
                node: shared.node_id.clone(),
                claim: Box::new(claim.clone()),
                reason: reason.to_owned(),
            };
            journal(shared, entry).await;
        }
    }
}

async fn place_call(
    shared: &Shared,
    rules: &CampaignRules,
    claim: &ClaimedAttempt,
    caller: String,
    script: Option<ScriptCall>,
    waiting: crate::gate::Waiting,
    cancel: &CancellationToken,
) -> Placed {
    let plan = &rules.plan;
    let mut record = AttemptRecord::for_claim(claim, Outcome::Failed);
    record.caller_id = Some(caller.clone());
    // The trunks to try, in order: the campaign's trunk, or its group's
    // route for this number.
    let (candidates, grouped) = match plan.trunk_group_id {
        Some(group_id) => match Box::pin(shared.resources.trunk_route(group_id)).await {
            Ok(route) => {
                let seed = claim.attempt_id as u64;
                (herald_policy::route(route.strategy, &route.members, &claim.phone, seed), true)
            }
            Err(error) => {
                warn!(%error, "cannot dial");
                record.sip_reason = Some(error.to_string());
                return Placed::Dialed(record);
            }
        },
        None => (plan.trunk_id.into_iter().collect::<Vec<_>>(), false),
    };
    let prompt = match &script {
        // A script brings its own audio.
        Some(_) => Ok(Arc::new(herald_media::Prompt::from_samples(Vec::new()))),
        None => Box::pin(shared.resources.prompt(plan.prompt_id)).await,
    };
    let prompt = match prompt {
        Ok(prompt) => prompt,
        Err(error) => {
            warn!(%error, "cannot dial");
            record.sip_reason = Some(error.to_string());
            return Placed::Dialed(record);
        }
    };
    let mut waiting = Some(waiting);
    let mut failovers: Vec<String> = Vec::new();
    let mut tried = 0;
    // Whether any INVITE of this attempt went out (a group tries trunks in turn).
    let mut dialed_any = false;
    for (index, trunk_id) in candidates.iter().enumerate() {
        let trunk = match Box::pin(trunk_for(shared, Some(*trunk_id))).await {
            Ok(trunk) => trunk,
            Err(error) => {
                warn!(%error, trunk = trunk_id, "cannot use trunk");
                continue;
            }
        };
        let gate = shared.gates.trunk(&trunk);
        // A group skips disabled trunks and those whose breaker is open.
        if grouped && (!trunk.enabled || !gate.breaker_allows()) {
            continue;
        }
        tried += 1;
        record.trunk_id = Some(trunk.id);
        let request = DialRequest {
            trunk: trunk_target(&trunk),
            callee: claim.phone.clone(),
            caller: caller.clone(),
            ring_timeout: Duration::from_secs(u64::try_from(plan.ring_timeout_secs).unwrap_or(30)),
            prompt: Arc::clone(&prompt),
            listen_after_prompt: Duration::ZERO,
            max_call: Duration::from_secs(shared.config.max_call_secs),
            amd: Some(herald_media::AmdConfig::default()),
            record_to: (!shared.config.recordings_dir.is_empty()).then(|| {
                std::path::Path::new(&shared.config.recordings_dir).join(format!("attempt-{}.wav", claim.attempt_id))
            }),
            script: script.clone(),
        };

        // The gate: the campaign's and the trunk's lines, then an INVITE
        // slot both allow (gate/mod.rs); given up if told to stop meanwhile.
        // A long wait is a cap reached: logged with the cap's name.
        let wait_began = Utc::now();
        let admission = match Box::pin(shared.gates.admit(rules.gate.as_deref(), &gate, claim.attempt_id, cancel)).await
        {
            Ok(admission) => admission,
            Err(aborted) if !dialed_any => return Placed::StoppedBeforeInvite(aborted.reason()),
            Err(aborted) => {
                record.sip_reason = Some(aborted.reason().to_owned());
                return Placed::Dialed(record);
            }
        };
        if let Some(cap) = admission.waited
            && record.cap_wait.is_none()
        {
            record.cap_wait = Some((wait_began, cap.reason().into()));
        }
        drop(waiting.take());
        shared.metrics.invites_sent.inc();
        shared.live.call_started(trunk.id, claim.campaign_id);
        dialed_any = true;
        let report = dial(&shared.sip, &shared.media, shared.config.media_ip, request, cancel).await;
        shared.live.call_ended(trunk.id, claim.campaign_id);
        // The lines go back (in a batch with other calls').
        drop(admission);
        Box::pin(gate.answered(report.sip_code)).await;
        let trunk_failed = herald_policy::fails_over(report.sip_code, report.answered_at.is_some());
        apply_report(&mut record, report);
        if !grouped {
            break;
        }
        Box::pin(gate.tried(trunk_failed)).await;
        let more = index + 1 < candidates.len();
        if !trunk_failed || !more || cancel.is_cancelled() {
            break;
        }
        // RFC 3261 §16.7 step 6 in spirit: a server failure or timeout from
        // one trunk is tried on the next, within the same attempt.
        let why = record.sip_code.map_or_else(|| "no answer".to_owned(), |code| code.to_string());
        info!(trunk = %trunk.name, why, "trunk failed the call: trying the next trunk");
        failovers.push(format!("{} ({why})", trunk.name));
    }
    if tried == 0 {
        record.sip_reason = Some(if candidates.is_empty() {
            "no trunk of the group serves this number".to_owned()
        } else {
            "no trunk available (disabled, or circuit breaker open)".to_owned()
        });
    } else if !failovers.is_empty() {
        let reason = record.sip_reason.take().unwrap_or_default();
        record.sip_reason = Some(format!("{reason} (after failing over from {})", failovers.join(", ")));
    }
    Placed::Dialed(record)
}

/// Copies what the call showed onto the attempt's record.
fn apply_report(record: &mut AttemptRecord, report: crate::dial::CallReport) {
    record.outcome = report.outcome;
    record.sip_call_id = report.call_id;
    record.sip_code = report.sip_code.map(i32::from);
    record.sip_reason = report.sip_reason;
    record.q850_cause = report.q850_cause.map(i32::from);
    record.invite_at = report.invite_at;
    record.ringing_at = report.ringing_at;
    record.answered_at = report.answered_at;
    record.ended_at = report.ended_at;
    record.talk_ms = report.talk_ms.map(|talk| talk.min(i32::MAX as u64) as i32);
    record.early_media = report.early_media;
    record.dtmf = (!report.dtmf.is_empty()).then_some(report.dtmf);
    record.amd_verdict = report.amd_verdict.map(|verdict| {
        serde_json::to_value(verdict).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
    });
    if report.answered_at.is_some() {
        record.rtp_packets_sent = Some(report.rtp_packets_sent.min(i32::MAX as u64) as i32);
        record.rtp_packets_received = Some(report.rtp_packets_received.min(i32::MAX as u64) as i32);
    }
    record.recording_path = report.recording.map(|path| path.display().to_string());
    record.answers = (!report.answers.is_empty()).then(|| serde_json::json!(report.answers));
    record.opted_out = report.opted_out;
    record.voicemail_left = report.voicemail_left;
}

/// How the SIP facade reaches a stored trunk.
pub(crate) fn trunk_target(trunk: &herald_store::Trunk) -> TrunkTarget {
    TrunkTarget {
        host: trunk.host.clone(),
        port: trunk.port as u16,
        transport: if trunk.transport == "tcp" { SipTransport::Tcp } else { SipTransport::Udp },
        credential: trunk
            .auth_username
            .clone()
            .map(|username| DigestCredential { username, password: trunk.password().unwrap_or_default() }),
        from_domain: trunk.from_domain.clone(),
    }
}

pub(crate) async fn trunk_for(
    shared: &Shared,
    trunk_id: Option<i64>,
) -> Result<Arc<herald_store::Trunk>, crate::resources::ResourceError> {
    if let Some(found) = shared.resources.trunk(trunk_id)? {
        return Ok(found);
    }
    // A trunk created since the last refresh: load it, and let its SIP in.
    shared.refresh_trunks().await?;
    shared.resources.trunk(trunk_id)?.ok_or(crate::resources::ResourceError::NoTrunk(trunk_id.unwrap_or_default()))
}
