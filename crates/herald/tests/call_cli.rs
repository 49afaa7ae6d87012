//! `herald call`: one call from the command line, its outcome as JSON.

mod support;

use std::process::Command;

use support::{
    RtpSink, ScratchDir, SippCarrier, TestPrompt, assert_g711_stream, herald_json, repo_root, talk_back_audio,
    talk_back_dtmf,
};

fn herald_call(carrier: &SippCarrier, extra: &[&str], scratch: &ScratchDir) -> serde_json::Value {
    let trunk = carrier.sip_addr().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["call", "--trunk", &trunk, "--to", "+15550100123", "--from", "+15550100000"])
        .args(extra)
        .current_dir(scratch.path())
        .env_remove("HERALD_CALL_USERNAME")
        .output()
        .expect("running herald call");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "herald call failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"))
}

#[test]
fn busy_trunk_reports_486_and_the_q850_cause() {
    let scratch = ScratchDir::new("call-busy");
    let carrier = SippCarrier::start("uas_busy.xml", &[]);
    let report = herald_call(&carrier, &[], &scratch);
    assert_eq!(report["outcome"], "busy", "{report}");
    assert_eq!(report["sip_code"], 486);
    assert_eq!(report["q850_cause"], 17);
    assert!(report["invite_at"].is_string());
    assert!(report["answered_at"].is_null());
}

#[tokio::test]
async fn answered_call_plays_the_prompt_and_reports_timings() {
    let scratch = ScratchDir::new("call-answer");
    let sink = RtpSink::bind().await;
    let rtp_port = sink.port().to_string();
    let carrier = SippCarrier::start("uas_answer.xml", &["-set", "rtp_ip", "127.0.0.1", "-set", "rtp_port", &rtp_port]);
    let prompt = TestPrompt::tone(1000);
    let prompt_path = scratch.path().join(&prompt.filename);
    std::fs::write(&prompt_path, &prompt.audio).unwrap();
    let prompt_arg = prompt_path.to_string_lossy().into_owned();
    let trunk = carrier.sip_addr().to_string();
    let arguments = ["call", "--trunk", &trunk, "--to", "+15550100124", "--prompt", &prompt_arg, "--listen", "1"];
    let report = herald_json(arguments.map(str::to_owned).to_vec(), scratch.path()).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["sip_code"], 200);
    assert_eq!(report["prompt_completed"], true);
    assert_eq!(report["hangup_by"], "herald");
    assert!(report["ringing_at"].is_string(), "the carrier sent 180: {report}");
    // 1 s of prompt plus 1 s of listening.
    let talk_ms = report["talk_ms"].as_u64().unwrap();
    assert!((1800..6000).contains(&talk_ms), "talk_ms {talk_ms}");
    let packets = sink.packets();
    assert!(packets.len() >= 90, "the carrier received {} RTP packets", packets.len());
    assert_g711_stream(&packets);
    assert!(carrier.messages().iter().any(|message| message.method() == Some("BYE")), "herald hung up with BYE");
}

/// Calls a carrier whose media (the sink) talks back, and returns the report.
async fn call_with_far_end(sink: &RtpSink, extra: &[&str]) -> serde_json::Value {
    let scratch = ScratchDir::new("call-far-end");
    let rtp_port = sink.port().to_string();
    let carrier = SippCarrier::start("uas_answer.xml", &["-set", "rtp_ip", "127.0.0.1", "-set", "rtp_port", &rtp_port]);
    let prompt = TestPrompt::tone(500);
    let prompt_path = scratch.path().join(&prompt.filename);
    std::fs::write(&prompt_path, &prompt.audio).unwrap();
    let mut arguments: Vec<String> = ["call", "--trunk", &carrier.sip_addr().to_string(), "--to", "+15550100125"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    arguments.extend(["--prompt".to_owned(), prompt_path.to_string_lossy().into_owned()]);
    arguments.extend(extra.iter().map(|s| s.to_string()));
    herald_json(arguments, scratch.path()).await
}

#[tokio::test]
async fn a_recorded_greeting_is_detected_as_a_machine() {
    let greeting = repo_root().join("crates/media/tests/fixtures/voicemail_greeting.wav");
    let sink = RtpSink::bind_talking(talk_back_audio(&greeting)).await;
    let report = call_with_far_end(&sink, &["--amd", "--listen", "5"]).await;
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["amd_verdict"], "machine", "{report}");
}

#[tokio::test]
async fn a_live_hello_is_detected_as_a_person() {
    let hello = repo_root().join("crates/media/tests/fixtures/hello_live.wav");
    let sink = RtpSink::bind_talking(talk_back_audio(&hello)).await;
    let report = call_with_far_end(&sink, &["--amd", "--listen", "4"]).await;
    assert_eq!(report["amd_verdict"], "human", "{report}");
    assert_eq!(report["amd_reason"], "silence_after_greeting", "{report}");
}

#[tokio::test]
async fn rfc4733_keypresses_are_received() {
    // uas_answer.xml's SDP offers telephone-event as payload type 101.
    let sink = RtpSink::bind_talking(talk_back_dtmf("42#", 101)).await;
    let report = call_with_far_end(&sink, &["--listen", "2"]).await;
    assert_eq!(report["dtmf"], "42#", "{report}");
}

#[test]
fn calls_go_over_tcp_when_the_trunk_says_so() {
    let scratch = ScratchDir::new("call-tcp");
    let carrier = SippCarrier::start_tcp("uas_busy.xml", &[]);
    let report = herald_call(&carrier, &["--transport", "tcp"], &scratch);
    assert_eq!(report["outcome"], "busy", "{report}");
    assert_eq!(report["sip_code"], 486);
    let invite = carrier.messages().into_iter().find(|message| message.method() == Some("INVITE")).expect("an INVITE");
    assert!(invite.header("Via").is_some_and(|via| via.contains("SIP/2.0/TCP")), "{:?}", invite.header("Via"));
}

#[test]
fn a_proxy_challenge_407_is_answered_with_proxy_authorization() {
    let scratch = ScratchDir::new("call-407");
    let carrier = SippCarrier::start("uas_auth407.xml", &[]);
    let trunk = carrier.sip_addr().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["call", "--trunk", &trunk, "--to", "+15550100126", "--username", "herald", "--max-call", "1"])
        .env("HERALD_CALL_PASSWORD", "s3cret")
        .current_dir(scratch.path())
        .output()
        .expect("running herald call");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["outcome"], "answered", "{report}");
    let messages = carrier.messages();
    assert!(messages.iter().any(|message| message.status() == Some(407)), "the carrier challenged with 407");
    assert!(
        messages
            .iter()
            .any(|message| message.method() == Some("INVITE") && message.header("Proxy-Authorization").is_some()),
        "Herald answered the challenge with Proxy-Authorization"
    );
}
