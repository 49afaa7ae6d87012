//! Carrier SIP behaviours beyond answer/busy/no-answer, each against a SIPp
//! scenario from `loadtest/sipp/`: early media (RFC 3960), a BYE from the
//! far end mid-prompt (RFC 3261 §15.1.2), re-INVITE and UPDATE from the
//! carrier (RFC 3261 §14, RFC 3311), session timers (RFC 4028) in all three
//! roles, a slow answer, and in-band DTMF end to end.
//!
//! Most tests run `herald call` and read its JSON report next to the SIP
//! messages SIPp traced; the early-media test runs a campaign through an
//! in-process Talker, to see the flag kept on the stored attempt.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use herald_store::Store;
use sqlx::PgPool;
use support::{
    Direction, RtpSink, ScratchDir, SipMessage, SippCarrier, TestPrompt, assert_every_contact_done_once,
    assert_g711_stream, herald_json, repo_root, run_talker_until_done, running_campaign, talk_back_audio,
};

/// `-set rtp_ip 127.0.0.1 -set rtp_port <sink>`: the carrier's SDP points at
/// the sink.
fn media_at(sink: &RtpSink) -> Vec<String> {
    ["-set", "rtp_ip", "127.0.0.1", "-set", "rtp_port", &sink.port().to_string()].map(str::to_owned).to_vec()
}

fn strs(arguments: &[String]) -> Vec<&str> {
    arguments.iter().map(String::as_str).collect()
}

/// Runs `herald call` against the carrier, playing `prompt`, with `extra`
/// options, and returns its JSON report.
async fn herald_call(carrier: &SippCarrier, prompt: &TestPrompt, extra: &[&str]) -> serde_json::Value {
    let scratch = ScratchDir::new("sip-behaviour");
    let prompt_path = scratch.path().join(&prompt.filename);
    std::fs::write(&prompt_path, &prompt.audio).expect("writing the prompt");
    let mut arguments: Vec<String> =
        ["call", "--trunk", &carrier.sip_addr().to_string(), "--to", "+15550100200", "--from", "+15550100000"]
            .map(str::to_owned)
            .to_vec();
    arguments.extend(["--prompt".to_owned(), prompt_path.to_string_lossy().into_owned()]);
    arguments.extend(extra.iter().map(|argument| argument.to_string()));
    herald_json(arguments, scratch.path()).await
}

fn time_of(report: &serde_json::Value, field: &str) -> DateTime<Utc> {
    report[field].as_str().and_then(|text| text.parse().ok()).unwrap_or_else(|| panic!("no {field} in {report}"))
}

/// Stops SIPp (after a moment for the last messages) and checks it saw no
/// unexpected message, failed check or unplanned timeout. (SIPp traces the
/// planned ones too — a `<recv timeout ontimeout>` the scenario uses as a
/// pause that Herald's BYE may cut short — as "jumping to label" events.)
async fn assert_carrier_content(carrier: &mut SippCarrier) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let exit = carrier.stop();
    let errors = carrier.errors();
    let events = errors.matches("Call-Id:").count();
    let planned = errors.matches("jumping to label").count();
    assert_eq!(events, planned, "SIPp traced errors:\n{errors}\n{}\n{}", carrier.screen(), carrier.message_log());
    assert_eq!(exit.and_then(|status| status.code()), Some(0), "sipp exit:\n{}", carrier.screen());
}

/// The messages Herald sent with `method`.
fn requests_from_herald<'a>(messages: &'a [SipMessage], method: &str) -> Vec<&'a SipMessage> {
    messages
        .iter()
        .filter(|message| message.direction == Direction::FromHerald && message.method() == Some(method))
        .collect()
}

/// The responses Herald sent to the carrier's `method` requests.
fn responses_from_herald<'a>(messages: &'a [SipMessage], method: &str) -> Vec<&'a SipMessage> {
    messages
        .iter()
        .filter(|message| {
            message.direction == Direction::FromHerald
                && message.status().is_some()
                && message.cseq_method() == Some(method)
        })
        .collect()
}

/// When SIPp sent its 200 OK to Herald's INVITE (the answer).
fn answered_at(messages: &[SipMessage]) -> DateTime<Utc> {
    messages
        .iter()
        .find(|message| {
            message.direction == Direction::ToHerald
                && message.status() == Some(200)
                && message.cseq_method() == Some("INVITE")
        })
        .expect("the carrier answered")
        .at
}

// ------------------------------------------------------------ early media

/// RFC 3960: a 183 with SDP before the 200 is early media, and the attempt
/// keeps it.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn early_media_183_is_kept_on_the_answered_attempt(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let sink = RtpSink::bind().await;
    let mut arguments = media_at(&sink);
    arguments.extend(["-d", "1000"].map(str::to_owned));
    let mut carrier = SippCarrier::start("uas_early_media.xml", &strs(&arguments));
    let prompt = TestPrompt::tone(500);
    let campaign = running_campaign(&store, &support::CampaignSpec::new(carrier.sip_addr(), 1, &prompt)).await;

    let summary = run_talker_until_done(&store, campaign.id, Duration::from_secs(30)).await;
    assert_eq!(summary.outcomes.get("answered"), Some(&1), "{summary:?}");
    assert_carrier_content(&mut carrier).await;

    let attempts = assert_every_contact_done_once(&pool, campaign.id).await;
    let (early_media,): (bool,) = sqlx::query_as("SELECT early_media FROM attempts WHERE id = $1")
        .bind(attempts[0].id)
        .fetch_one(&pool)
        .await
        .expect("reading the attempt");
    assert!(early_media, "the 183 with SDP is recorded as early media: {attempts:?}");
    let attempt = &attempts[0];
    let ringing = attempt.ringing_at.expect("the 183 counts as ringing");
    let answered = attempt.answered_at.expect("answered");
    assert!(answered - ringing >= chrono::Duration::milliseconds(800), "1 s of early media: {attempt:?}");
    let messages = carrier.messages();
    assert!(messages.iter().any(|message| message.status() == Some(183)), "SIPp sent the 183");
    for packets in sink.streams().values() {
        assert_g711_stream(packets);
    }
}

/// Early media, then a rejection: busy, with the flag and the Q.850 cause.
#[tokio::test]
async fn early_media_then_486_is_busy_with_early_media() {
    let mut carrier = SippCarrier::start("uas_early_media.xml", &["-d", "500", "-set", "early_final", "486"]);
    let report = herald_call(&carrier, &TestPrompt::tone(500), &[]).await;
    assert_eq!(report["outcome"], "busy", "{report}");
    assert_eq!(report["sip_code"], 486, "{report}");
    assert_eq!(report["q850_cause"], 17, "{report}");
    assert_eq!(report["early_media"], true, "{report}");
    assert!(report["answered_at"].is_null(), "{report}");
    assert_carrier_content(&mut carrier).await;
}

// ------------------------------------------------------------ BYE

/// RFC 3261 §15.1.2: the callee hangs up 1 s into a 4 s prompt. Herald
/// answers the BYE, stops at once, and reports who hung up and why
/// (RFC 3326 Reason, Q.850 cause 16).
#[tokio::test]
async fn far_end_bye_mid_prompt_ends_the_call_at_once() {
    let sink = RtpSink::bind().await;
    let mut carrier = SippCarrier::start("uas_bye_midprompt.xml", &strs(&media_at(&sink)));
    let prompt = TestPrompt::welcome();
    assert!(prompt.duration_ms > 3000, "a prompt longer than the call");
    let report = herald_call(&carrier, &prompt, &["--listen", "5"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["hangup_by"], "remote", "{report}");
    assert_eq!(report["prompt_completed"], false, "{report}");
    assert_eq!(report["q850_cause"], 16, "the BYE's Reason header: {report}");
    let talk_ms = report["talk_ms"].as_u64().expect("talk time");
    assert!((800..2500).contains(&talk_ms), "the call ends with the BYE (~1 s), not the prompt: {talk_ms} ms");
    assert_carrier_content(&mut carrier).await;

    let messages = carrier.messages();
    assert!(requests_from_herald(&messages, "BYE").is_empty(), "Herald sent a BYE of its own");
    let answers = responses_from_herald(&messages, "BYE");
    assert_eq!(answers.first().and_then(|message| message.status()), Some(200), "Herald answered the BYE 200");
    // Herald's media stopped with the BYE: no 4 s of prompt reached the sink.
    let sent = sink.packets().len();
    assert!(sent < prompt.frames * 3 / 4, "{sent} packets of a {}-frame prompt after a BYE at 1 s", prompt.frames);
}

// ------------------------------------------------------------ 2xx retransmission

/// RFC 3261 §13.2.2.4: a 2xx the carrier sends again (its copy of our ACK
/// was lost) is ACKed again, 1 s after the answer, though Herald ended the
/// INVITE's client transaction at the answer instead of keeping it in
/// RFC 6026's Accepted state (the endpoint keeps the ACK for 64×T1).
#[tokio::test]
async fn a_retransmitted_2xx_is_acked_again_after_the_transaction_ends() {
    let sink = RtpSink::bind().await;
    let mut carrier = SippCarrier::start("uas_2xx_retransmit.xml", &strs(&media_at(&sink)));
    let prompt = TestPrompt::welcome();
    let report = herald_call(&carrier, &prompt, &[]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    // SIPp fails the call unless the second ACK came within 5 s.
    assert_carrier_content(&mut carrier).await;
    let messages = carrier.messages();
    let acks = requests_from_herald(&messages, "ACK");
    assert_eq!(acks.len(), 2, "one ACK per 2xx: {acks:?}");
    let answers: Vec<_> = messages
        .iter()
        .filter(|message| message.direction == Direction::ToHerald && message.status() == Some(200))
        .filter(|message| message.cseq_method() == Some("INVITE"))
        .collect();
    assert_eq!(answers.len(), 2, "the carrier sent its 2xx twice");
    assert!(acks[1].at > answers[1].at, "the second ACK answers the second 2xx");
}

// ------------------------------------------------------------ re-INVITE / UPDATE

/// RFC 3261 §14.2 and RFC 3311 §5.2: the carrier's re-INVITE (moving its
/// media to another port), UPDATE and offerless re-INVITE are answered 200
/// OK, the re-INVITEs' with Herald's SDP, and Herald's RTP follows the media
/// to its new port (RFC 3264 §8).
#[tokio::test]
async fn reinvite_and_update_from_the_carrier_are_answered_and_media_follows() {
    let first = RtpSink::bind().await;
    let moved = RtpSink::bind().await;
    let mut arguments = media_at(&first);
    arguments.extend(["-set", "rtp_port2", &moved.port().to_string()].map(str::to_owned));
    let mut carrier = SippCarrier::start("uas_reinvite_update.xml", &strs(&arguments));
    let prompt = TestPrompt::tone(2500);
    let report = herald_call(&carrier, &prompt, &["--listen", "1"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["hangup_by"], "herald", "{report}");
    assert_eq!(report["prompt_completed"], true, "{report}");
    assert_carrier_content(&mut carrier).await;

    let messages = carrier.messages();
    // The re-INVITE with an offer (CSeq 1) and the one without (CSeq 3):
    // each 200 carries Herald's SDP, the answer or an offer (RFC 3261 §14.2).
    for cseq in ["1 INVITE", "3 INVITE"] {
        let reinvite_ok = messages
            .iter()
            .find(|message| {
                message.direction == Direction::FromHerald
                    && message.status() == Some(200)
                    && message.header("CSeq") == Some(cseq)
            })
            .unwrap_or_else(|| panic!("Herald did not answer the re-INVITE {cseq}:\n{}", carrier.message_log()));
        assert!(reinvite_ok.text.contains("m=audio "), "the 200 carries Herald's SDP:\n{}", reinvite_ok.text);
        assert!(reinvite_ok.header("Contact").is_some(), "a 2xx to a target refresh has a Contact (RFC 3261 §12.1.1)");
    }
    assert!(!requests_from_herald(&messages, "ACK").is_empty(), "Herald ACKed the carrier's 200 to its INVITE");
    let update_answers = responses_from_herald(&messages, "UPDATE");
    assert_eq!(update_answers.first().and_then(|message| message.status()), Some(200), "Herald answered the UPDATE");
    assert!(!requests_from_herald(&messages, "BYE").is_empty(), "Herald hung up after its prompt");

    // One stream, first to the answer's port, then to the re-INVITE's.
    let (before, after) = (first.streams(), moved.streams());
    assert_eq!(before.len(), 1, "Herald's stream reached the first port");
    assert_eq!(after.len(), 1, "Herald's stream moved to the re-INVITE's port");
    assert_eq!(before.keys().next(), after.keys().next(), "the same RTP stream (SSRC) moved");
    let (before, after) = (&before.values().next().unwrap(), &after.values().next().unwrap());
    assert!(before.len() >= 10 && after.len() >= 50, "{} packets before the move, {} after", before.len(), after.len());
    assert_g711_stream(after);
    let last_before = before.last().unwrap().sequence;
    let first_after = after[0].sequence;
    assert!(
        (1..=3).contains(&first_after.wrapping_sub(last_before)),
        "the stream continues across the move: {last_before} then {first_after}"
    );
}

// ------------------------------------------------------------ session timers

/// The Session-Expires header of a message, without spaces.
fn session_expires(message: &SipMessage) -> Option<String> {
    message.header("Session-Expires").map(|value| value.replace(' ', ""))
}

/// Calls `uas_session_timer.xml` run with `settings` (`-set se 4 ...`):
/// 1 s of prompt, then `listen` seconds. Checks the call was answered and
/// SIPp content; returns the carrier (for its trace) and the report.
async fn session_timer_call(settings: &[&str], listen: &str) -> (SippCarrier, serde_json::Value) {
    let sink = RtpSink::bind().await;
    let mut arguments = media_at(&sink);
    arguments.extend(settings.iter().map(|setting| setting.to_string()));
    let mut carrier = SippCarrier::start("uas_session_timer.xml", &strs(&arguments));
    let report = herald_call(&carrier, &TestPrompt::tone(1000), &["--listen", listen]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["hangup_by"], "herald", "{report}");
    assert_carrier_content(&mut carrier).await;
    (carrier, report)
}

/// RFC 4028 §7.2 / §10: the carrier's 200 says `Session-Expires:
/// 4;refresher=uac`, so Herald refreshes (UPDATE, the carrier allows it) once
/// half the interval has passed, and again after each refresh.
#[tokio::test]
async fn herald_refreshes_the_session_when_the_carrier_makes_it_the_refresher() {
    let (carrier, report) = session_timer_call(&["-set", "se", "4", "-set", "st_mode", "uac"], "4").await;
    assert!(report["sip_reason"].is_null(), "the session did not expire: {report}");

    let messages = carrier.messages();
    let invite = &requests_from_herald(&messages, "INVITE")[0];
    assert!(
        invite.header("Supported").is_some_and(|supported| supported.contains("timer")),
        "RFC 4028 §7.1: the INVITE says Supported: timer:\n{}",
        invite.text
    );
    let answered = answered_at(&messages);
    let refreshes = requests_from_herald(&messages, "UPDATE");
    assert!(refreshes.len() >= 2, "a 5 s call with a 4 s session is refreshed twice:\n{}", carrier.message_log());
    let first = refreshes[0].at - answered;
    assert!(
        (chrono::Duration::milliseconds(1500)..=chrono::Duration::milliseconds(2600)).contains(&first),
        "the first refresh is due at half the interval (2 s), sent after {first}"
    );
    let second = refreshes[1].at - refreshes[0].at;
    assert!(second <= chrono::Duration::milliseconds(2600), "the next one half an interval later, not {second}");
    for refresh in &refreshes {
        assert_eq!(session_expires(refresh).as_deref(), Some("4;refresher=uac"), "RFC 4028 §7.4:\n{}", refresh.text);
    }
    assert!(!requests_from_herald(&messages, "BYE").is_empty(), "Herald hung up after its prompt");
}

/// RFC 4028 §7.4: a carrier whose `Allow` has no UPDATE gets its refreshes
/// as re-INVITEs offering Herald's unchanged session, each ACKed.
#[tokio::test]
async fn herald_refreshes_with_reinvite_when_the_carrier_does_not_allow_update() {
    let (carrier, report) = session_timer_call(&["-set", "se", "4", "-set", "refresh_with", "invite"], "2").await;
    assert!(report["sip_reason"].is_null(), "the session did not expire: {report}");

    let messages = carrier.messages();
    assert!(requests_from_herald(&messages, "UPDATE").is_empty(), "no UPDATE to a carrier that does not allow it");
    let invites = requests_from_herald(&messages, "INVITE");
    let initial_cseq = invites[0].header("CSeq").expect("CSeq").to_owned();
    let refreshes: Vec<_> =
        invites.iter().filter(|invite| invite.header("CSeq") != Some(initial_cseq.as_str())).collect();
    let refresh = refreshes.first().unwrap_or_else(|| panic!("no re-INVITE refresh:\n{}", carrier.message_log()));
    assert_eq!(session_expires(refresh).as_deref(), Some("4;refresher=uac"), "{}", refresh.text);
    assert!(refresh.text.contains("m=audio "), "the re-INVITE offers Herald's session:\n{}", refresh.text);
    let acks = requests_from_herald(&messages, "ACK");
    assert!(acks.len() >= 2, "the answer and the refresh's 200 are both ACKed:\n{}", carrier.message_log());
}

/// RFC 4028 §9: with `refresher=uas` the carrier refreshes (an UPDATE 1.5 s
/// in); Herald answers it 200 with the interval echoed, the carrier named as
/// refresher and `Require: timer`, and the refresh restarts the timer: the
/// call outlives the first interval's expiry.
#[tokio::test]
async fn a_carrier_refresh_is_answered_and_restarts_the_session_timer() {
    // Without the refresh Herald would hang up at 5.3 s (8 s - 8/3); the
    // call is 1 s of prompt and 5 s of listening; after the refresh at
    // 1.5 s the BYE would be due at 6.8 s.
    let (carrier, report) = session_timer_call(&["-set", "se", "8", "-set", "st_mode", "uas"], "5").await;
    assert!(report["sip_reason"].is_null(), "the refreshed session did not expire: {report}");
    let talk_ms = report["talk_ms"].as_u64().expect("talk time");
    assert!(talk_ms >= 5700, "the call ran past the first interval's BYE time: {talk_ms} ms");

    let messages = carrier.messages();
    let answer = responses_from_herald(&messages, "UPDATE");
    let answer = answer.first().expect("Herald answered the carrier's refresh");
    assert_eq!(answer.status(), Some(200), "{}", answer.text);
    assert_eq!(session_expires(answer).as_deref(), Some("8;refresher=uac"), "{}", answer.text);
    assert_eq!(answer.header("Require"), Some("timer"), "{}", answer.text);
    assert!(requests_from_herald(&messages, "UPDATE").is_empty(), "the carrier refreshes, not Herald");
}

/// RFC 4028 §10: the carrier said it would refresh and never did: Herald
/// ends the session itself, with BYE, a third of the interval before expiry.
#[tokio::test]
async fn herald_hangs_up_when_the_session_expires_unrefreshed() {
    let (carrier, report) = session_timer_call(&["-set", "se", "3", "-set", "st_mode", "uas_silent"], "10").await;
    assert_eq!(report["sip_reason"].as_str(), Some(herald_talker::SESSION_EXPIRED), "{report}");

    let messages = carrier.messages();
    let bye = requests_from_herald(&messages, "BYE");
    let bye = bye.first().expect("Herald sent BYE");
    let after = bye.at - answered_at(&messages);
    assert!(
        (chrono::Duration::milliseconds(1700)..=chrono::Duration::milliseconds(2800)).contains(&after),
        "BYE at 3 s - 1 s after the answer, not {after}"
    );
}

// ------------------------------------------------------------ slow answer

/// A callee that rings 3 s (`uas_answer.xml -d 3000`) within a 6 s ring
/// timeout is answered, not cancelled.
#[tokio::test]
async fn slow_answer_within_the_ring_timeout_is_answered() {
    let sink = RtpSink::bind().await;
    let mut arguments = media_at(&sink);
    arguments.extend(["-d", "3000"].map(str::to_owned));
    let mut carrier = SippCarrier::start("uas_answer.xml", &strs(&arguments));
    let report = herald_call(&carrier, &TestPrompt::tone(500), &["--ring-timeout", "6"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["sip_code"], 200, "{report}");
    let rang_for = time_of(&report, "answered_at") - time_of(&report, "ringing_at");
    assert!(rang_for >= chrono::Duration::milliseconds(2800), "it rang 3 s, not {rang_for}");
    assert_carrier_content(&mut carrier).await;
    let messages = carrier.messages();
    assert!(requests_from_herald(&messages, "CANCEL").is_empty(), "no CANCEL within the ring timeout");
    assert!(!requests_from_herald(&messages, "BYE").is_empty(), "Herald hung up after its prompt");
}

// ------------------------------------------------------------ in-band DTMF

/// A far end with PCMU only and no telephone-event (`uas_answer_pcmu.xml`)
/// sends keypresses as tones in its audio (the Q.23 recording the detector
/// tests use); Herald's in-band detector reports them.
#[tokio::test]
async fn inband_dtmf_is_received_when_the_far_end_has_no_telephone_event() {
    let tones = repo_root().join("crates/media/tests/fixtures/dtmf_12340hash.wav");
    let sink = RtpSink::bind_talking(talk_back_audio(&tones)).await;
    let mut carrier = SippCarrier::start("uas_answer_pcmu.xml", &strs(&media_at(&sink)));
    let report = herald_call(&carrier, &TestPrompt::tone(500), &["--listen", "2"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["dtmf"], "12340#", "{report}");
    assert_carrier_content(&mut carrier).await;
}

// ------------------------------------------------------- answering machine

/// `uas_machine.xml` answers and SIPp itself plays a voicemail greeting and
/// its beep (a pcap) from its media socket: Herald's detector hears a
/// machine.
#[tokio::test]
async fn a_sipp_answering_machine_is_detected() {
    let mut carrier = SippCarrier::start("uas_machine.xml", &[]);
    let report = herald_call(&carrier, &TestPrompt::tone(500), &["--amd", "--listen", "4"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["amd_verdict"], "machine", "{report}");
    assert!(report["rtp_packets_received"].as_u64().unwrap() > 100, "the greeting arrived: {report}");
    assert_carrier_content(&mut carrier).await;
}
