//! Keypresses and answering machines recognised in real recordings, after
//! the same G.711 round trip a call's audio takes.

use herald_media::{AmdConfig, AmdReason, AmdVerdict, AnsweringMachineDetector, G711, InbandDtmfDetector, Prompt};

/// The recording as a call would deliver it: 8 kHz, through PCMU and back.
fn as_received(name: &str) -> Vec<i16> {
    let bytes = std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let prompt = Prompt::decode(bytes, Some("wav")).unwrap();
    prompt.frames(G711::Pcmu).iter().flatten().map(|&byte| G711::Pcmu.decode(byte)).collect()
}

fn amd(name: &str) -> (AmdVerdict, AmdReason) {
    let mut detector = AnsweringMachineDetector::new(AmdConfig::default());
    for frame in as_received(name).chunks(160) {
        if let Some(decision) = detector.push_frame(frame) {
            return decision;
        }
    }
    panic!("{name}: no decision");
}

#[test]
fn a_recorded_voicemail_greeting_is_a_machine() {
    let (verdict, reason) = amd("voicemail_greeting.wav");
    assert_eq!(verdict, AmdVerdict::Machine, "{reason:?}");
}

#[test]
fn a_live_hello_is_a_person() {
    assert_eq!(amd("hello_live.wav"), (AmdVerdict::Human, AmdReason::SilenceAfterGreeting));
}

#[test]
fn inband_dtmf_from_a_recording() {
    // sox-generated Q.23 tone pairs: 1 2 3 4 0 #, 90 ms each, 70 ms apart.
    let mut detector = InbandDtmfDetector::default();
    let mut digits = String::new();
    for frame in as_received("dtmf_12340hash.wav").chunks(160) {
        detector.push(frame, |digit| digits.push(digit));
    }
    assert_eq!(digits, "12340#");
}

#[test]
fn speech_is_not_taken_for_keypresses() {
    let mut detector = InbandDtmfDetector::default();
    let mut digits = String::new();
    for name in ["voicemail_greeting.wav", "hello_live.wav"] {
        for frame in as_received(name).chunks(160) {
            detector.push(frame, |digit| digits.push(digit));
        }
    }
    assert_eq!(digits, "", "false keypresses in speech");
}
