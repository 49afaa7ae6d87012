//! Call scripts end to end: a campaign plays its script through a real
//! Talker to a SIPp carrier whose media (the test's RTP sink) talks back —
//! keypresses as RFC 4733 events, or a recorded voicemail greeting with its
//! beep — and `say` steps are spoken by the real espeak-ng.

mod support;

use std::time::{Duration, Instant};

use herald_store::{Actor, Change, Store};
use sqlx::PgPool;
use support::{
    CampaignSpec, RtpSeen, RtpSink, SippCarrier, TalkBack, TestPrompt, repo_root, run_talker_until_done,
    running_campaign, talk_back_audio, talk_back_dtmf, test_phone,
};

/// A campaign of one contact (tags `tags`) playing `script`, to a carrier
/// whose media is `sink`; runs a Talker until the contact is done.
async fn run_script(pool: &PgPool, sink: &RtpSink, script: serde_json::Value, tags: serde_json::Value) -> Attempt {
    let store = Store::from_pool(pool.clone());
    let rtp_port = sink.port().to_string();
    let carrier = SippCarrier::start("uas_answer.xml", &["-set", "rtp_ip", "127.0.0.1", "-set", "rtp_port", &rtp_port]);
    let prompt = TestPrompt::tone(300);
    let campaign = running_campaign(&store, &CampaignSpec::new(carrier.sip_addr(), 1, &prompt)).await;
    let name = format!("test script {}", campaign.id);
    let Change::Done(saved) = store.save_call_script(None, &name, &script, &Actor::system("test")).await.unwrap()
    else {
        panic!("the script is saved")
    };
    sqlx::query("UPDATE campaigns SET script_id = $2 WHERE id = $1")
        .bind(campaign.id)
        .bind(saved.id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE contacts SET tags = $2 WHERE campaign_id = $1")
        .bind(campaign.id)
        .bind(&tags)
        .execute(pool)
        .await
        .unwrap();
    run_talker_until_done(&store, campaign.id, Duration::from_secs(60)).await;
    sqlx::query_as("SELECT outcome, answers, opted_out, voicemail_left, amd_verdict, dtmf, talk_ms FROM attempts WHERE campaign_id = $1")
        .bind(campaign.id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[derive(Debug, sqlx::FromRow)]
struct Attempt {
    outcome: Option<String>,
    answers: Option<serde_json::Value>,
    opted_out: bool,
    voicemail_left: bool,
    amd_verdict: Option<String>,
    dtmf: Option<String>,
    talk_ms: Option<i32>,
}

/// Herald's packets that carry sound, as offsets from its first packet.
fn loud_offsets(packets: &[RtpSeen]) -> Vec<Duration> {
    let start = packets.first().expect("Herald sent media").at;
    packets.iter().filter(|packet| packet.level > 40).map(|packet| packet.at - start).collect()
}

fn silence(duration: Duration) -> TalkBack {
    (0..duration.as_millis() / 20).map(|_| (0u8, false, vec![0xFF; 160])).collect()
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_keypress_in_the_menu_takes_its_branch_and_opts_the_number_out(pool: PgPool) {
    // The person listens for 3 s (the greeting, into the menu), then presses 9.
    let mut talk_back = silence(Duration::from_secs(3));
    talk_back.extend(talk_back_dtmf("9", 101));
    talk_back.extend(silence(Duration::from_secs(8)));
    let sink = RtpSink::bind_talking(talk_back).await;
    let script = serde_json::json!({"steps": [
        {"type": "say", "text": "Hello {{first_name|there}}."},
        {"type": "gather", "name": "confirm", "timeout_secs": 8, "attempts": 1,
         "prompt": [{"type": "say", "text": "Press 1 to confirm your appointment on {{day}}, or 9 to stop these calls."}],
         "branches": {
             "1": [{"type": "say", "text": "Thank you."}],
             "9": [{"type": "opt_out"}, {"type": "say", "text": "You will not be called again. Goodbye."}]
         },
         "otherwise": [{"type": "say", "text": "Goodbye."}]}
    ]});
    let attempt = run_script(&pool, &sink, script, serde_json::json!({"first_name": "Ada", "day": "Tuesday"})).await;

    assert_eq!(attempt.outcome.as_deref(), Some("answered"), "{attempt:?}");
    assert_eq!(attempt.answers, Some(serde_json::json!({"confirm": "9"})), "{attempt:?}");
    assert!(attempt.opted_out, "{attempt:?}");
    assert_eq!(attempt.dtmf.as_deref(), Some("9"));
    // The number is on the global opt-out list now: no campaign may call it.
    let store = Store::from_pool(pool.clone());
    let verdict = store.list_verdict(0, test_phone(0).as_str()).await.unwrap();
    assert!(verdict.blacklisted, "opted out numbers are blacklisted");
    // The person heard the greeting and the menu, then the goodbye after
    // the key (the menu's prompt was cut short), and then the call ended.
    let loud = loud_offsets(&sink.packets());
    assert!(loud.first().is_some_and(|at| *at < Duration::from_millis(1500)), "greeting at once: {:?}", loud.first());
    let after_key = loud.iter().filter(|at| **at > Duration::from_millis(3300)).count();
    assert!(after_key > 50, "the goodbye (> 1 s of speech) follows the key: {after_key} loud packets");
    let talk = attempt.talk_ms.unwrap();
    assert!((4_000..9_000).contains(&talk), "hung up after the goodbye, not at the menu's timeout: {talk} ms");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_voicemail_gets_the_message_after_its_beep(pool: PgPool) {
    // A 11.9 s greeting, 300 ms of silence, a 1 kHz beep (crates/media/tests/fixtures).
    let greeting = repo_root().join("crates/media/tests/fixtures/greeting_then_beep.wav");
    let sink = RtpSink::bind_talking(talk_back_audio(&greeting)).await;
    let script = serde_json::json!({
        "on_machine": "leave_message",
        "voicemail": [{"type": "say", "text": "This is Acme. Please call us back, {{first_name}}."}],
        "steps": [{"type": "say", "text": "Hello, this is Acme."}]
    });
    let started = Instant::now();
    let attempt = run_script(&pool, &sink, script, serde_json::json!({"first_name": "Ada"})).await;

    assert_eq!(attempt.outcome.as_deref(), Some("machine"), "{attempt:?}");
    assert_eq!(attempt.amd_verdict.as_deref(), Some("machine"));
    assert!(attempt.voicemail_left, "{attempt:?}");
    // Nothing was said over the greeting; the message began just after the
    // beep (12.2 s in), not at the 20 s give-up.
    let loud = loud_offsets(&sink.packets());
    let first = *loud.first().expect("the message was played");
    assert!(
        first > Duration::from_millis(12_200) && first < Duration::from_millis(14_500),
        "the message starts after the beep: at {first:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(40));
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_machine_is_hung_up_on_and_a_person_hears_the_message(pool: PgPool) {
    let script = serde_json::json!({
        "on_machine": "hangup",
        "steps": [{"type": "say", "text": "Hello, this is a reminder from Acme."}]
    });
    let greeting = repo_root().join("crates/media/tests/fixtures/voicemail_greeting.wav");
    let machine = RtpSink::bind_talking(talk_back_audio(&greeting)).await;
    let attempt = run_script(&pool, &machine, script.clone(), serde_json::json!({})).await;
    assert_eq!(attempt.outcome.as_deref(), Some("machine"), "{attempt:?}");
    assert!(loud_offsets(&machine.packets()).is_empty(), "nothing is played to a machine");
    assert!(attempt.talk_ms.unwrap() < 5_000, "hung up at the verdict: {attempt:?}");

    // A live "hello" and a pause: a person. The message waits for the
    // verdict, then plays whole.
    let hello = repo_root().join("crates/media/tests/fixtures/hello_live.wav");
    let person = RtpSink::bind_talking(talk_back_audio(&hello)).await;
    let attempt = run_script(&pool, &person, script, serde_json::json!({})).await;
    assert_eq!(attempt.outcome.as_deref(), Some("answered"), "{attempt:?}");
    assert_eq!(attempt.amd_verdict.as_deref(), Some("human"));
    let loud = loud_offsets(&person.packets());
    assert!(loud.len() > 75, "the message (> 1.5 s of speech) was played: {} loud packets", loud.len());
}
