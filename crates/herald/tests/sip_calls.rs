//! Calls end to end: an in-process Talker dials a SIPp carrier running one
//! of `loadtest/sipp/`'s scenarios, and each test checks what Herald
//! recorded (the attempt's outcome, SIP code, Q.850 cause, talk time)
//! against what the carrier saw (its SIP message trace, the RTP it got).

mod support;

use std::time::Duration;

use herald_store::Store;
use sqlx::PgPool;
use support::{
    CampaignSpec, Direction, RtpSink, SippCarrier, TestPrompt, assert_every_contact_done_once, assert_g711_stream,
    carrier_dialogs, run_talker_until_done, running_campaign,
};

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks that every attempt of the campaign has `outcome`, `sip_code` and
/// `q850_cause`, one per contact, and that the carrier got one INVITE
/// dialog per attempt, with the Call-ID Herald recorded.
async fn assert_outcomes(
    pool: &PgPool,
    carrier: &SippCarrier,
    campaign_id: i64,
    contacts: usize,
    outcome: &str,
    sip_code: i32,
    q850_cause: Option<i32>,
) -> Vec<support::AttemptRow> {
    let attempts = assert_every_contact_done_once(pool, campaign_id).await;
    assert_eq!(attempts.len(), contacts, "one attempt per contact: {attempts:#?}");
    let dialogs = carrier_dialogs(&carrier.messages());
    assert_eq!(dialogs.len(), contacts, "one call per contact at the carrier: {dialogs:#?}");
    for attempt in &attempts {
        assert_eq!(attempt.outcome.as_deref(), Some(outcome), "{attempt:?}");
        assert_eq!(attempt.sip_code, Some(sip_code), "{attempt:?}");
        assert_eq!(attempt.q850_cause, q850_cause, "{attempt:?}");
        assert_eq!(attempt.node_id, "test-talker");
        let invite_at = attempt.invite_at.expect("the INVITE time is recorded");
        assert!(invite_at <= attempt.ended_at.expect("ended"), "{attempt:?}");
        let call_id = attempt.sip_call_id.as_deref().expect("the Call-ID is recorded");
        let dialog = dialogs
            .iter()
            .find(|dialog| dialog.call_id == call_id)
            .unwrap_or_else(|| panic!("the carrier never saw Call-ID {call_id}: {dialogs:#?}"));
        assert_eq!(dialog.callee, attempt.phone, "the INVITE went to the contact's number");
    }
    attempts
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn answered_call_plays_the_prompt_over_rtp_and_hangs_up(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let sink = RtpSink::bind().await;
    let rtp_port = sink.port().to_string();
    let mut carrier =
        SippCarrier::start("uas_answer.xml", &["-set", "rtp_port", &rtp_port, "-set", "rtp_ip", "127.0.0.1"]);
    let prompt = TestPrompt::welcome();
    assert!(prompt.duration_ms > 3000, "welcome.wav is a few seconds long");
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 2, &prompt)).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("answered"), Some(&2), "{summary:?}");
    // Let the last packets in flight land before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let exit = carrier.stop();

    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 2, "answered", 200, None).await;
    let prompt_ms = prompt.duration_ms as f64;
    for attempt in &attempts {
        let talk_ms = f64::from(attempt.talk_ms.expect("talk time is recorded"));
        assert!(
            (0.8 * prompt_ms..=3.0 * prompt_ms).contains(&talk_ms),
            "the call lasts about the prompt ({prompt_ms} ms): {attempt:?}"
        );
        assert!(attempt.answered_at.is_some() && attempt.ringing_at.is_some(), "{attempt:?}");
        let sent = attempt.rtp_packets_sent.expect("RTP count is recorded") as usize;
        assert!(sent >= prompt.frames, "Herald counts at least the prompt's frames as sent: {attempt:?}");
    }

    // The carrier's media address (SIPp's SDP, pointed at the sink) got the
    // whole prompt of each call as one well-formed G.711 stream.
    let streams = sink.streams();
    assert_eq!(sink.runts(), 0, "datagrams too short to be RTP");
    assert_eq!(streams.len(), 2, "one RTP stream (SSRC) per call: {:?}", streams.keys());
    for packets in streams.values() {
        assert_g711_stream(packets);
        assert!(
            packets.len() * 10 >= prompt.frames * 9,
            "the carrier heard {} packets of a {}-frame prompt",
            packets.len(),
            prompt.frames
        );
        assert!(
            packets.len() <= prompt.frames * 3,
            "{} packets for a {}-frame prompt: the call was not hung up after the prompt",
            packets.len(),
            prompt.frames
        );
        // Herald's CDR counts what it sent; loopback loses nothing.
        assert!(
            attempts.iter().any(|attempt| attempt
                .rtp_packets_sent
                .is_some_and(|sent| (sent as usize).abs_diff(packets.len()) <= 2)),
            "{} packets arrived, no attempt recorded that many sent: {attempts:#?}",
            packets.len()
        );
    }

    // Herald hung up: one BYE per call, after the answer, and SIPp (which
    // marks a call failed when it has to hang up itself) saw nothing wrong.
    let messages = carrier.messages();
    for attempt in &attempts {
        let call_id = attempt.sip_call_id.as_deref().unwrap();
        let byes: Vec<_> = messages
            .iter()
            .filter(|message| {
                message.direction == Direction::FromHerald
                    && message.method() == Some("BYE")
                    && message.call_id() == Some(call_id)
            })
            .collect();
        assert!(!byes.is_empty(), "Herald sent no BYE for {call_id}:\n{}", carrier.message_log());
        let answered = messages
            .iter()
            .find(|message| message.status() == Some(200) && message.call_id() == Some(call_id))
            .expect("SIPp answered");
        assert!(byes[0].at >= answered.at, "BYE after the 200 OK");
        assert!(
            messages.iter().any(|message| message.direction == Direction::FromHerald
                && message.method() == Some("ACK")
                && message.call_id() == Some(call_id)),
            "Herald ACKed the 200 OK of {call_id}"
        );
    }
    assert_eq!(exit.and_then(|status| status.code()), Some(0), "sipp exit");
    assert_eq!(carrier.errors(), "", "SIPp traced errors:\n{}", carrier.screen());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn busy_callee_is_busy_486_with_q850_cause_17(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let scenario = std::fs::read_to_string(support::repo_root().join("loadtest/sipp/uas_busy.xml")).unwrap();
    assert!(scenario.contains("Reason: Q.850;cause=17"), "the scenario sends cause 17");
    let mut carrier = SippCarrier::start("uas_busy.xml", &[]);
    let prompt = TestPrompt::tone(500);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 3, &prompt)).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("busy"), Some(&3), "{summary:?}");
    // Give SIPp a moment to receive the last ACK before stopping it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    carrier.stop();

    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 3, "busy", 486, Some(17)).await;
    for attempt in &attempts {
        assert_eq!(attempt.talk_ms, None, "{attempt:?}");
        assert_eq!(attempt.answered_at, None, "{attempt:?}");
    }
    assert_no_byes(&carrier);
    assert_eq!(carrier.errors(), "", "SIPp traced errors (e.g. an un-ACKed 486):\n{}", carrier.screen());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn unanswered_call_is_cancelled_after_the_ring_timeout(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let mut carrier = SippCarrier::start("uas_noanswer.xml", &[]);
    let prompt = TestPrompt::tone(500);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), 2, &prompt);
    spec.ring_timeout_secs = 2;
    let campaign = running_campaign(&store, &spec).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("no_answer"), Some(&2), "{summary:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    carrier.stop();

    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 2, "no_answer", 487, None).await;
    let messages = carrier.messages();
    for attempt in &attempts {
        assert!(attempt.ringing_at.is_some(), "the 180 was seen: {attempt:?}");
        assert_eq!(attempt.answered_at, None);
        let call_id = attempt.sip_call_id.as_deref().unwrap();
        let of_call = |method: &str| {
            messages
                .iter()
                .find(|message| {
                    message.direction == Direction::FromHerald
                        && message.method() == Some(method)
                        && message.call_id() == Some(call_id)
                })
                .unwrap_or_else(|| panic!("Herald sent no {method} for {call_id}:\n{}", carrier.message_log()))
        };
        let invite = of_call("INVITE");
        let cancel = of_call("CANCEL");
        let rang_for = cancel.at - invite.at;
        assert!(
            rang_for >= chrono::Duration::milliseconds(1500),
            "CANCEL only after the 2 s ring timeout, not after {rang_for}"
        );
        // The 487 that ends the INVITE transaction is ACKed.
        assert!(
            messages.iter().any(|message| message.direction == Direction::FromHerald
                && message.method() == Some("ACK")
                && message.call_id() == Some(call_id)),
            "Herald ACKed the 487 of {call_id}"
        );
    }
    assert_no_byes(&carrier);
    assert_eq!(carrier.errors(), "", "SIPp traced errors:\n{}", carrier.screen());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn overloaded_carrier_503_is_a_failure_with_q850_cause_34(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let mut carrier = SippCarrier::start("uas_503.xml", &[]);
    let prompt = TestPrompt::tone(500);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 3, &prompt)).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("failed"), Some(&3), "{summary:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    carrier.stop();

    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 3, "failed", 503, Some(34)).await;
    for attempt in &attempts {
        assert_eq!(attempt.ringing_at, None, "no 18x was sent: {attempt:?}");
        assert_eq!(attempt.sip_reason.as_deref(), Some("Service Unavailable"), "{attempt:?}");
    }
    assert_no_byes(&carrier);
    assert_eq!(carrier.errors(), "", "SIPp traced errors (e.g. an un-ACKed 503):\n{}", carrier.screen());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn digest_auth_with_the_trunk_credentials_is_answered(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let sink = RtpSink::bind().await;
    let rtp_port = sink.port().to_string();
    let mut carrier =
        SippCarrier::start("uas_auth.xml", &["-set", "rtp_port", &rtp_port, "-set", "rtp_ip", "127.0.0.1"]);
    let prompt = TestPrompt::tone(1000);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), 1, &prompt);
    spec.auth = Some(("herald", "s3cret"));
    let campaign = running_campaign(&store, &spec).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("answered"), Some(&1), "{summary:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    carrier.stop();

    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 1, "answered", 200, None).await;
    let call_id = attempts[0].sip_call_id.as_deref().unwrap();
    assert_challenge_answered(&carrier, call_id);
    let streams = sink.streams();
    assert_eq!(streams.len(), 1, "one RTP stream");
    for packets in streams.values() {
        assert_g711_stream(packets);
        assert!(packets.len() * 10 >= prompt.frames * 9, "{} packets", packets.len());
    }
    assert!(
        carrier.messages().iter().any(|message| message.direction == Direction::FromHerald
            && message.method() == Some("BYE")
            && message.call_id() == Some(call_id)),
        "Herald hung up"
    );
    assert_eq!(carrier.errors(), "", "SIPp traced errors:\n{}", carrier.screen());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn digest_auth_with_a_wrong_password_is_rejected_403(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let mut carrier = SippCarrier::start("uas_auth.xml", &[]);
    let prompt = TestPrompt::tone(500);
    let mut spec = CampaignSpec::new(carrier.sip_addr(), 1, &prompt);
    spec.auth = Some(("herald", "not-the-password"));
    let campaign = running_campaign(&store, &spec).await;

    let summary = run_talker_until_done(&store, campaign.id, CAMPAIGN_TIMEOUT).await;
    assert_eq!(summary.outcomes.get("rejected"), Some(&1), "{summary:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    carrier.stop();

    // uas_auth.xml answers bad credentials with 403 and Q.850 cause 21.
    let attempts = assert_outcomes(&pool, &carrier, campaign.id, 1, "rejected", 403, Some(21)).await;
    assert_challenge_answered(&carrier, attempts[0].sip_call_id.as_deref().unwrap());
    assert_no_byes(&carrier);
    assert_eq!(carrier.errors(), "", "SIPp traced errors:\n{}", carrier.screen());
}

/// The carrier challenged the first INVITE with 401 and Herald sent it again,
/// same Call-ID, with a Digest `Authorization` for user `herald`.
fn assert_challenge_answered(carrier: &SippCarrier, call_id: &str) {
    let messages = carrier.messages();
    let invites: Vec<_> = messages
        .iter()
        .filter(|message| {
            message.direction == Direction::FromHerald
                && message.method() == Some("INVITE")
                && message.call_id() == Some(call_id)
        })
        .collect();
    assert!(
        messages.iter().any(|message| message.status() == Some(401) && message.call_id() == Some(call_id)),
        "the carrier challenged the INVITE"
    );
    assert!(invites[0].header("Authorization").is_none(), "the first INVITE carries no credentials");
    let authorized = invites
        .iter()
        .find_map(|invite| invite.header("Authorization"))
        .unwrap_or_else(|| panic!("no INVITE with credentials:\n{}", carrier.message_log()));
    assert!(authorized.starts_with("Digest "), "{authorized}");
    assert!(authorized.contains("username=\"herald\""), "{authorized}");
    assert!(authorized.contains("realm=\"herald.test\""), "{authorized}");
}

/// Unanswered calls end without a BYE.
fn assert_no_byes(carrier: &SippCarrier) {
    let byes = carrier.messages().into_iter().filter(|message| message.method() == Some("BYE")).count();
    assert_eq!(byes, 0, "no BYE for a call that was never answered");
}
