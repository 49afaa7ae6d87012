//! One outbound call, start to end, independent of campaigns and storage:
//! open an RTP port, INVITE through the trunk, play the prompt to an answered
//! call (then listen for a while if asked) or run its call script, hang up,
//! and report what happened. The Talker turns a [`CallReport`] into an
//! attempt record; `herald call` prints it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use herald_media::{
    AmdConfig, AmdReason, AmdVerdict, BeepConfig, CallMedia, MediaEngine, MediaEvent, MediaPlan, Prompt, sdp,
};
use herald_scenario::{Effect, Event, Program, Run, RunSummary, Waits};
use herald_sip::{AnsweredCall, CallEnd, CallEvent, InviteResult, OutboundInvite, SipAgent, TrunkTarget};
use herald_types::Outcome;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// The `sip_reason` of an answered call that Herald ended because its
/// session timer ran out (RFC 4028 §10).
pub const SESSION_EXPIRED: &str = "session expired (RFC 4028 session timer)";

/// What to call and what to play.
#[derive(Debug, Clone)]
pub struct DialRequest {
    pub trunk: TrunkTarget,
    pub callee: String,
    pub caller: String,
    pub ring_timeout: Duration,
    pub prompt: Arc<Prompt>,
    /// After the prompt, keep the call up this long (collecting DTMF).
    pub listen_after_prompt: Duration,
    /// Hard cap on the answered part of the call.
    pub max_call: Duration,
    /// Answering-machine detection on the first seconds received, if wanted.
    pub amd: Option<AmdConfig>,
    /// Write the far end's audio to this WAV file.
    pub record_to: Option<PathBuf>,
    /// Run this call script instead of playing `prompt`.
    pub script: Option<ScriptCall>,
}

/// A call script ready for one call: the program, and each of its audio
/// pieces prepared for this contact (prompts decoded, text spoken).
#[derive(Debug, Clone)]
pub struct ScriptCall {
    pub program: Arc<Program>,
    /// Indexed as [`Program::audio`].
    pub audio: Vec<Arc<Prompt>>,
}

/// How long a script waits for the machine detector (a little past its
/// analysis window) and for a voicemail's beep.
const SCRIPT_WAITS: Waits = Waits { verdict: Duration::from_millis(5_500), beep: Duration::from_secs(20) };

/// Who ended an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupBy {
    Herald,
    Remote,
}

/// Everything one call did.
#[derive(Debug, Clone, Serialize)]
pub struct CallReport {
    pub outcome: Outcome,
    /// The final response code (200 when answered).
    pub sip_code: Option<u16>,
    pub sip_reason: Option<String>,
    /// The Q.850 cause of a `Reason` header (RFC 3326): the final
    /// response's when unanswered, the far end's BYE's when it hung up.
    pub q850_cause: Option<u16>,
    pub call_id: Option<String>,
    pub invite_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: DateTime<Utc>,
    pub talk_ms: Option<u64>,
    pub early_media: bool,
    pub dtmf: String,
    /// Answering-machine detection: its verdict and why.
    pub amd_verdict: Option<AmdVerdict>,
    pub amd_reason: Option<AmdReason>,
    pub hangup_by: Option<HangupBy>,
    pub prompt_completed: bool,
    pub rtp_packets_sent: u64,
    pub rtp_packets_received: u64,
    /// RTCP sender reports sent (RFC 3550 §6.4.1; shared media mode).
    pub rtcp_sender_reports: u32,
    /// The WAV file the far end's audio was written to.
    pub recording: Option<PathBuf>,
    /// The call script's menu answers, by menu name.
    pub answers: BTreeMap<String, String>,
    /// The person asked (in the script) not to be called again.
    pub opted_out: bool,
    /// The script left its voicemail after a machine's beep.
    pub voicemail_left: bool,
    /// Whether the script ran to its end (`None`: no script).
    pub script_completed: Option<bool>,
}

impl CallReport {
    /// A call that failed before any SIP was sent.
    pub fn failed_locally(reason: String) -> CallReport {
        CallReport {
            outcome: Outcome::Failed,
            sip_code: None,
            sip_reason: Some(reason),
            q850_cause: None,
            call_id: None,
            invite_at: None,
            ringing_at: None,
            answered_at: None,
            ended_at: Utc::now(),
            talk_ms: None,
            early_media: false,
            dtmf: String::new(),
            amd_verdict: None,
            amd_reason: None,
            hangup_by: None,
            prompt_completed: false,
            rtp_packets_sent: 0,
            rtp_packets_received: 0,
            rtcp_sender_reports: 0,
            recording: None,
            answers: BTreeMap::new(),
            opted_out: false,
            voicemail_left: false,
            script_completed: None,
        }
    }
}

fn utc(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

/// Places one call. Cancelling `cancel` CANCELs a ringing call or hangs up
/// an answered one; the report says so.
pub async fn dial(
    sip: &SipAgent,
    media: &MediaEngine,
    media_ip: IpAddr,
    request: DialRequest,
    cancel: &CancellationToken,
) -> CallReport {
    let leg = match media.open() {
        Ok(leg) => leg,
        Err(error) => {
            warn!(%error, "cannot dial");
            return CallReport::failed_locally(error.to_string());
        }
    };
    let invite = OutboundInvite {
        trunk: request.trunk,
        callee: request.callee,
        caller: request.caller,
        sdp_offer: sdp::offer(rand::random::<u32>().into(), media_ip, leg.port()),
        ring_timeout: request.ring_timeout,
    };
    // Boxed, here and below: a call's task keeps only what the answered
    // phase needs; the INVITE's (large) state is freed once it is over.
    let result = match Box::pin(sip.invite(invite, cancel)).await {
        Ok(result) => result,
        Err(error) => {
            warn!(%error, "invite failed");
            return CallReport::failed_locally(error.to_string());
        }
    };
    let mut call = match result {
        InviteResult::Failed(failed) => {
            let mut report = CallReport::failed_locally(failed.reason_phrase.clone());
            report.call_id = Some(failed.progress.call_id.clone());
            report.invite_at = Some(utc(failed.progress.invite_at));
            report.ringing_at = failed.progress.ringing_at.map(utc);
            report.early_media = failed.progress.early_media;
            report.sip_code = Some(failed.code);
            report.q850_cause = failed.q850_cause;
            report.outcome = if failed.cancelled_on_timeout {
                Outcome::NoAnswer
            } else if failed.cancelled_on_abort {
                Outcome::Failed
            } else {
                Outcome::from_final_sip_code(failed.code, failed.progress.ringing_at.is_some())
            };
            debug!(code = failed.code, outcome = %report.outcome, "call not answered");
            return report;
        }
        InviteResult::Answered(call) => call,
    };

    let mut report = CallReport::failed_locally(String::new());
    report.sip_reason = None;
    report.outcome = Outcome::Answered;
    report.sip_code = Some(200);
    report.call_id = Some(call.progress.call_id.clone());
    report.invite_at = Some(utc(call.progress.invite_at));
    report.ringing_at = call.progress.ringing_at.map(utc);
    report.early_media = call.progress.early_media;
    report.answered_at = Some(utc(call.answered_at));
    let answered_at = call.answered_at;

    let remote = match sdp::parse_remote(&call.remote_sdp) {
        Ok(remote) => remote,
        Err(error) => {
            warn!(%error, "answer without usable SDP: hanging up");
            report.sip_reason = Some(format!("unusable SDP answer: {error}"));
            Box::pin(call.hangup()).await;
            report.hangup_by = Some(HangupBy::Herald);
            report.ended_at = Utc::now();
            return report;
        }
    };
    let plan = MediaPlan {
        remote: remote.address,
        codec: remote.codec,
        telephone_event_payload_type: remote.telephone_event_payload_type,
        // A script starts in silence and plays what its run asks for.
        prompt: match &request.script {
            Some(_) => Arc::new(Prompt::from_samples(Vec::new())),
            None => request.prompt,
        },
        amd: request.amd,
        beep: request.script.as_ref().filter(|script| script.program.wants_beep()).map(|_| BeepConfig::default()),
        record: request.record_to.is_some(),
    };
    let playing = match media.start_call(leg, plan) {
        Ok(playing) => playing,
        Err(error) => {
            warn!(%error, "media failed: hanging up");
            report.sip_reason = Some(error.to_string());
            Box::pin(call.hangup()).await;
            report.hangup_by = Some(HangupBy::Herald);
            report.ended_at = Utc::now();
            return report;
        }
    };

    // A script that treats machines apart records a machine as one.
    let mut script_machine = false;
    let remote_end = match &request.script {
        Some(script) => {
            let detecting = request.amd.is_some();
            let (end, summary) = run_script(&mut call, &playing, script, detecting, request.max_call, cancel).await;
            report.answers = summary.answers;
            report.opted_out = summary.opted_out;
            report.voicemail_left = summary.voicemail_left;
            report.script_completed = Some(summary.completed);
            script_machine = summary.machine && script.program.wants_amd();
            end
        }
        None => converse(&mut call, &playing, request.listen_after_prompt, request.max_call, cancel).await,
    };
    let media_report = playing.stop().await;
    match remote_end {
        // RFC 4028 §10: the session timer ran out and we sent the BYE.
        Some(CallEnd::SessionExpired) => {
            debug!("session expired");
            report.sip_reason = Some(SESSION_EXPIRED.to_owned());
            report.hangup_by = Some(HangupBy::Herald);
        }
        Some(end) => {
            debug!(?end, "far end hung up");
            if let CallEnd::RemoteBye { q850_cause } = end {
                report.q850_cause = q850_cause;
            }
            report.hangup_by = Some(HangupBy::Remote);
        }
        None => {
            Box::pin(call.hangup()).await;
            report.hangup_by = Some(HangupBy::Herald);
        }
    }
    let ended_at = SystemTime::now();
    report.ended_at = utc(ended_at);
    report.talk_ms = ended_at.duration_since(answered_at).ok().map(|talk| talk.as_millis() as u64);
    report.prompt_completed = media_report.prompt_completed;
    report.rtp_packets_sent = media_report.packets_sent;
    report.rtp_packets_received = media_report.packets_received;
    report.dtmf = media_report.dtmf;
    // Such a script waited for the detector's verdict before speaking, so
    // its own echo did not sway it; keys pressed still mean a person
    // (machines do not press keys; people who listen silently can look
    // like machines).
    if script_machine && report.dtmf.is_empty() {
        report.outcome = Outcome::Machine;
    }
    report.amd_verdict = media_report.amd.map(|(verdict, _)| verdict);
    report.amd_reason = media_report.amd.map(|(_, reason)| reason);
    report.rtcp_sender_reports = media_report.sender_reports;
    if let (Some(path), Some(recording)) = (request.record_to, media_report.recording) {
        match Box::pin(tokio::fs::write(&path, recording.to_wav())).await {
            Ok(()) => report.recording = Some(path),
            Err(error) => warn!(%error, path = %path.display(), "cannot write the recording"),
        }
    }
    report
}

/// The answered part of a call that runs a script: call and media events
/// drive the run ([`Run`]), whose effects play audio, set its one timer and
/// end the call. Returns how the far end ended it (`None`: Herald is to
/// hang up) and what the run did.
async fn run_script(
    call: &mut AnsweredCall,
    playing: &CallMedia,
    script: &ScriptCall,
    detecting: bool,
    max_call: Duration,
    cancel: &CancellationToken,
) -> (Option<CallEnd>, RunSummary) {
    let max_call = tokio::time::sleep(max_call);
    tokio::pin!(max_call);
    let (mut run, effects) = Run::start(&script.program, detecting, SCRIPT_WAITS);
    let mut state = ScriptState { deadline: None, awaiting_audio: false };
    if state.apply(playing, script, effects) {
        return (None, run.into_summary());
    }
    loop {
        let timer = tokio::time::sleep_until(state.deadline.unwrap_or_else(tokio::time::Instant::now));
        let effects = tokio::select! {
            () = playing.prompt_played(), if state.awaiting_audio => {
                state.awaiting_audio = false;
                run.on(Event::AudioDone)
            }
            event = playing.next_event() => run.on(match event {
                MediaEvent::Digit(key) => Event::Digit(key),
                MediaEvent::Verdict(AmdVerdict::Machine, _) => Event::Machine,
                // "Not sure" is played to as a person.
                MediaEvent::Verdict(..) => Event::Human,
                MediaEvent::Beep => Event::Beep,
            }),
            () = timer, if state.deadline.is_some() => {
                state.deadline = None;
                run.on(Event::Timer)
            }
            event = call.next_event() => match event {
                CallEvent::Ended(end) => return (Some(end), run.into_summary()),
                CallEvent::RemoteSdp(offer) => {
                    follow_remote_media(playing, &offer);
                    continue;
                }
            },
            () = &mut max_call => {
                warn!("call reached its maximum length");
                return (None, run.into_summary());
            }
            () = cancel.cancelled() => {
                debug!("call aborted");
                return (None, run.into_summary());
            }
        };
        if state.apply(playing, script, effects) {
            return (None, run.into_summary());
        }
    }
}

/// What the script's effects have set up.
struct ScriptState {
    deadline: Option<tokio::time::Instant>,
    /// A prompt plays whose end the run waits for.
    awaiting_audio: bool,
}

impl ScriptState {
    /// Carries out a run's effects; true when the call is to end.
    fn apply(&mut self, playing: &CallMedia, script: &ScriptCall, effects: Vec<Effect>) -> bool {
        for effect in effects {
            match effect {
                Effect::Play(index) => {
                    let Some(audio) = script.audio.get(index) else {
                        warn!(index, "the script asked for audio it does not have: hanging up");
                        return true;
                    };
                    playing.play(Arc::clone(audio));
                    self.awaiting_audio = true;
                }
                Effect::StopAudio => {
                    playing.stop_audio();
                    self.awaiting_audio = false;
                }
                Effect::Timer(after) => self.deadline = Some(tokio::time::Instant::now() + after),
                Effect::ClearTimer => self.deadline = None,
                // Kept on the run's summary; the Talker records it.
                Effect::OptOut => {}
                Effect::Hangup => return true,
            }
        }
        false
    }
}

/// Sends media to where a re-INVITE or UPDATE moved it.
fn follow_remote_media(playing: &CallMedia, offer: &str) {
    match sdp::parse_remote(offer) {
        Ok(remote) => {
            debug!(remote = %remote.address, "far end moved its media");
            playing.retarget(remote.address);
        }
        Err(error) => warn!(%error, "unusable SDP in a re-INVITE or UPDATE: media unchanged"),
    }
}

/// The answered part of a call: the prompt, then `listen` more, until the
/// far end hangs up (its [`CallEnd`]), `max_call` passes or `cancel` fires
/// (`None`: Herald is to hang up). Media follows the far end when a
/// re-INVITE or UPDATE moves it.
async fn converse(
    call: &mut AnsweredCall,
    playing: &CallMedia,
    listen: Duration,
    max_call: Duration,
    cancel: &CancellationToken,
) -> Option<CallEnd> {
    let max_call = tokio::time::sleep(max_call);
    tokio::pin!(max_call);
    // Set once the prompt is over: when listening ends.
    let mut listen_until: Option<tokio::time::Instant> = None;
    loop {
        let listen_end = tokio::time::sleep_until(listen_until.unwrap_or_else(tokio::time::Instant::now));
        tokio::select! {
            () = playing.prompt_played(), if listen_until.is_none() => {
                if listen.is_zero() || cancel.is_cancelled() {
                    return None;
                }
                listen_until = Some(tokio::time::Instant::now() + listen);
            }
            () = listen_end, if listen_until.is_some() => return None,
            event = call.next_event() => match event {
                CallEvent::Ended(end) => return Some(end),
                CallEvent::RemoteSdp(offer) => follow_remote_media(playing, &offer),
            },
            () = &mut max_call => {
                warn!("call reached its maximum length");
                return None;
            }
            () = cancel.cancelled() => {
                debug!("call aborted");
                return None;
            }
        }
    }
}
