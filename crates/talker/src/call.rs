//! One call attempt, from claimed contact to terminal record.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use herald_media::{MediaPlan, sdp};
use herald_policy::{NextStep, RetryRules, after_attempt};
use herald_sip::{DigestCredential, InviteResult, OutboundInvite, SipTransport, TrunkTarget};
use herald_store::{AttemptRecord, ClaimedAttempt, ContactNext, DialPlan, FinishResult};
use herald_types::Outcome;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::Shared;

/// Places the call, records its outcome, and removes it from the active set.
pub(crate) async fn run_attempt(
    shared: &Arc<Shared>,
    plan: &DialPlan,
    claim: ClaimedAttempt,
    cancel: CancellationToken,
) {
    shared.metrics.calls_active.inc();
    let record = place_call(shared, plan, &claim, &cancel).await;
    let next = next_step(plan, &claim, record.outcome);
    record_outcome(shared, &record, next).await;
    shared.metrics.calls_active.dec();
    shared.active.lock().expect("active calls poisoned").remove(&claim.contact_id);
}

fn next_step(plan: &DialPlan, claim: &ClaimedAttempt, outcome: Outcome) -> ContactNext {
    let rules: RetryRules = serde_json::from_value(plan.retry_rules.clone()).unwrap_or_else(|error| {
        warn!(%error, campaign = plan.id, "invalid retry rules: using defaults");
        RetryRules::default()
    });
    let attempts_made = u32::try_from(claim.attempts_made).unwrap_or(0) + 1;
    let max_attempts = u32::try_from(plan.max_attempts).unwrap_or(1);
    match after_attempt(&rules, max_attempts, outcome, attempts_made, Utc::now()) {
        NextStep::Done => ContactNext::Done,
        NextStep::RetryAt(at) => ContactNext::RetryAt(at),
    }
}

/// Writes the record, retrying for a while if Postgres is unreachable (the
/// lease keeps the contact ours meanwhile; past it the reaper takes over).
async fn record_outcome(shared: &Shared, record: &AttemptRecord, next: ContactNext) {
    let mut delay = Duration::from_millis(100);
    for _ in 0..8 {
        match shared.store.finish_attempt(&shared.node_id, record, next).await {
            Ok(FinishResult::Recorded) => {
                shared
                    .metrics
                    .attempts_finished
                    .get_or_create(&crate::metrics::OutcomeLabels { outcome: record.outcome.as_str().to_owned() })
                    .inc();
                info!(outcome = %record.outcome, sip_code = record.sip_code, talk_ms = record.talk_ms, "attempt recorded");
                return;
            }
            Ok(FinishResult::AlreadyFinal) => {
                shared.metrics.stale_records.inc();
                warn!(outcome = %record.outcome, "attempt already final (lease moved on): result dropped");
                return;
            }
            Err(error) => {
                warn!(%error, "recording the attempt failed: retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    warn!("giving up recording the attempt: the reaper will re-queue the contact");
}

fn base_record(claim: &ClaimedAttempt, outcome: Outcome) -> AttemptRecord {
    AttemptRecord {
        attempt_id: claim.attempt_id,
        contact_id: claim.contact_id,
        lease_epoch: claim.lease_epoch,
        outcome,
        trunk_id: None,
        caller_id: None,
        sip_call_id: None,
        sip_code: None,
        sip_reason: None,
        q850_cause: None,
        invite_at: None,
        ringing_at: None,
        answered_at: None,
        ended_at: Utc::now(),
        talk_ms: None,
        early_media: false,
        dtmf: None,
        rtp_packets_sent: None,
        rtp_packets_received: None,
    }
}

fn utc(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

async fn place_call(
    shared: &Shared,
    plan: &DialPlan,
    claim: &ClaimedAttempt,
    cancel: &CancellationToken,
) -> AttemptRecord {
    let mut record = base_record(claim, Outcome::Failed);
    let (trunk, pacer) = match trunk_for(shared, plan).await {
        Ok(found) => found,
        Err(error) => {
            warn!(%error, "cannot dial");
            record.sip_reason = Some(error.to_string());
            return record;
        }
    };
    record.trunk_id = Some(trunk.id);
    let prompt = match shared.resources.prompt(plan.prompt_id).await {
        Ok(prompt) => prompt,
        Err(error) => {
            warn!(%error, "cannot dial");
            record.sip_reason = Some(error.to_string());
            return record;
        }
    };
    let leg = match shared.media.open() {
        Ok(leg) => leg,
        Err(error) => {
            warn!(%error, "cannot dial");
            record.sip_reason = Some(error.to_string());
            return record;
        }
    };
    let caller = plan.caller_id.clone().unwrap_or_else(|| "anonymous".to_owned());
    record.caller_id = Some(caller.clone());
    let invite = OutboundInvite {
        trunk: TrunkTarget {
            host: trunk.host.clone(),
            port: trunk.port as u16,
            transport: if trunk.transport == "tcp" { SipTransport::Tcp } else { SipTransport::Udp },
            credential: trunk
                .auth_username
                .clone()
                .map(|username| DigestCredential { username, password: trunk.password().unwrap_or_default() }),
            from_domain: trunk.from_domain.clone(),
        },
        callee: claim.phone.clone(),
        caller,
        sdp_offer: sdp::offer(rand::random::<u32>().into(), shared.config.media_ip, leg.port()),
        ring_timeout: Duration::from_secs(u64::try_from(plan.ring_timeout_secs).unwrap_or(30)),
    };

    // Wait for this trunk's next INVITE slot (or give up if told to stop).
    let slot = pacer.reserve();
    tokio::select! {
        () = tokio::time::sleep_until(slot) => {}
        () = cancel.cancelled() => {
            record.sip_reason = Some("aborted before dialing".to_owned());
            return record;
        }
    }
    shared.metrics.invites_sent.inc();
    let result = match shared.sip.invite(invite, cancel).await {
        Ok(result) => result,
        Err(error) => {
            warn!(%error, "invite failed");
            record.sip_reason = Some(error.to_string());
            record.ended_at = Utc::now();
            return record;
        }
    };

    match result {
        InviteResult::Failed(failed) => {
            record.sip_call_id = Some(failed.progress.call_id.clone());
            record.invite_at = Some(utc(failed.progress.invite_at));
            record.ringing_at = failed.progress.ringing_at.map(utc);
            record.early_media = failed.progress.early_media;
            record.sip_code = Some(i32::from(failed.code));
            record.sip_reason = Some(failed.reason_phrase.clone());
            record.q850_cause = failed.q850_cause.map(i32::from);
            record.outcome = if failed.cancelled_on_timeout {
                Outcome::NoAnswer
            } else if failed.cancelled_on_abort {
                Outcome::Failed
            } else {
                Outcome::from_final_sip_code(failed.code, failed.progress.ringing_at.is_some())
            };
            record.ended_at = Utc::now();
            debug!(code = failed.code, outcome = %record.outcome, "call not answered");
            record
        }
        InviteResult::Answered(mut call) => {
            record.sip_call_id = Some(call.progress.call_id.clone());
            record.invite_at = Some(utc(call.progress.invite_at));
            record.ringing_at = call.progress.ringing_at.map(utc);
            record.early_media = call.progress.early_media;
            record.answered_at = Some(utc(call.answered_at));
            record.sip_code = Some(200);
            record.outcome = Outcome::Answered;

            let remote = match sdp::parse_remote(&call.remote_sdp) {
                Ok(remote) => remote,
                Err(error) => {
                    warn!(%error, "answer without usable SDP: hanging up");
                    record.sip_reason = Some(format!("unusable SDP answer: {error}"));
                    call.hangup().await;
                    record.ended_at = Utc::now();
                    return record;
                }
            };
            let media = match shared.media.start_call(
                leg,
                MediaPlan {
                    remote: remote.address,
                    codec: remote.codec,
                    telephone_event_payload_type: remote.telephone_event_payload_type,
                    prompt,
                },
            ) {
                Ok(media) => media,
                Err(error) => {
                    warn!(%error, "media failed: hanging up");
                    call.hangup().await;
                    record.ended_at = Utc::now();
                    return record;
                }
            };
            let max_call = Duration::from_secs(shared.config.max_call_secs);
            let mut remote_hung_up = false;
            tokio::select! {
                () = media.prompt_played() => {}
                end = call.ended() => {
                    debug!(?end, "far end hung up");
                    remote_hung_up = true;
                }
                () = tokio::time::sleep(max_call) => warn!("call reached max_call_secs"),
                () = cancel.cancelled() => debug!("call aborted"),
            }
            let report = media.stop().await;
            if !remote_hung_up {
                call.hangup().await;
            }
            let ended_at = SystemTime::now();
            record.ended_at = utc(ended_at);
            record.talk_ms = ended_at
                .duration_since(call_answered_at(&record))
                .ok()
                .map(|talk| talk.as_millis().min(i32::MAX as u128) as i32);
            record.rtp_packets_sent = Some(report.packets_sent.min(i32::MAX as u64) as i32);
            record.rtp_packets_received = Some(report.packets_received.min(i32::MAX as u64) as i32);
            record.dtmf = (!report.dtmf.is_empty()).then_some(report.dtmf);
            record
        }
    }
}

async fn trunk_for(
    shared: &Shared,
    plan: &DialPlan,
) -> Result<crate::resources::PacedTrunk, crate::resources::ResourceError> {
    if let Some(found) = shared.resources.trunk(plan.trunk_id)? {
        return Ok(found);
    }
    // A trunk created since the last refresh: load it, and let its SIP in.
    shared.refresh_trunks().await?;
    shared
        .resources
        .trunk(plan.trunk_id)?
        .ok_or(crate::resources::ResourceError::NoTrunk(plan.trunk_id.unwrap_or_default()))
}

fn call_answered_at(record: &AttemptRecord) -> SystemTime {
    record.answered_at.map(SystemTime::from).unwrap_or_else(SystemTime::now)
}
