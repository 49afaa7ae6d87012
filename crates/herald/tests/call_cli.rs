//! `herald call`: one call from the command line, its outcome as JSON.

mod support;

use std::process::Command;

use support::{RtpSink, ScratchDir, SippCarrier, TestPrompt, assert_g711_stream};

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
    let report = tokio::task::spawn_blocking({
        let scratch_path = scratch.path().to_owned();
        let trunk = carrier.sip_addr().to_string();
        move || {
            let output = Command::new(env!("CARGO_BIN_EXE_herald"))
                .args(["call", "--trunk", &trunk, "--to", "+15550100124", "--prompt", &prompt_arg, "--listen", "1"])
                .current_dir(scratch_path)
                .output()
                .expect("running herald call");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
        }
    })
    .await
    .unwrap();
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
