//! The campaign lifecycle through the store's status writes, against a real
//! PostgreSQL (a fresh database per test).

use herald_store::{ActionRefused, Actor, CampaignAction, CampaignStatus, NewCampaign, NewPrompt, NewTrunk, Store};
use sqlx::PgPool;

fn new_campaign(name: &str, trunk_id: Option<i64>, prompt_id: Option<i64>) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        prompt_id,
        trunk_id,
        caller_id: None,
        max_attempts: 1,
        ring_timeout_secs: 30,
        retry_rules: serde_json::json!({}),
    }
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn every_status_write_follows_the_lifecycle(pool: PgPool) {
    use CampaignAction::{Archive, Pause, Resume, Schedule, Start, Stop};
    let store = Store::from_pool(pool);
    let manager = Actor { user_id: None, name: "manager@example.org".into() };
    let trunk = store.create_trunk(&NewTrunk::udp("carrier", "127.0.0.1", 5060)).await.unwrap();
    let prompt = NewPrompt {
        name: "hello".into(),
        filename: "hello.wav".into(),
        content_type: "audio/wav".into(),
        audio: vec![0; 16],
        duration_ms: 1000,
        sha256: vec![0; 32],
    };
    let prompt_id = store.create_prompt(&prompt).await.unwrap();
    let draft = store.create_campaign(&new_campaign("storm", Some(trunk.id), Some(prompt_id))).await.unwrap();
    assert_eq!((draft.status.as_str(), &draft.allowed_actions.0[..]), ("draft", &[Start, Schedule, Archive][..]));

    let refused = store.campaign_action(draft.id, Resume, &manager).await.unwrap();
    assert_eq!(refused.unwrap_err(), ActionRefused::FromStatus("draft".into()));

    let running = store.campaign_action(draft.id, Start, &manager).await.unwrap().unwrap();
    assert_eq!((running.status.as_str(), &running.allowed_actions.0[..]), ("running", &[Pause, Stop][..]));
    assert!(running.started_at.is_some() && running.completed_at.is_none());

    // The schedule moves a campaign only from the status it saw.
    assert!(!store.apply_schedule(&leader(&store).await, draft.id, "paused", CampaignStatus::Stopped).await.unwrap());
    assert!(store.apply_schedule(&leader(&store).await, draft.id, "running", CampaignStatus::Paused).await.unwrap());
    let paused = store.campaign(draft.id).await.unwrap();
    assert_eq!((paused.status.as_str(), paused.started_at), ("paused", running.started_at));

    store.set_campaign_status(draft.id, CampaignStatus::Stopped, "system:test").await.unwrap();
    let stopped = store.campaign(draft.id).await.unwrap();
    assert_eq!((stopped.status.as_str(), &stopped.allowed_actions.0[..]), ("stopped", &[Archive][..]));
    assert!(stopped.completed_at.is_some());

    let archived = store.campaign_action(draft.id, Archive, &manager).await.unwrap().unwrap();
    assert!(archived.allowed_actions.0.is_empty());
    assert!(store.campaigns(None).await.unwrap().is_empty(), "archived campaigns are listed only when asked for");
    assert_eq!(store.campaigns(Some("archived")).await.unwrap().len(), 1);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_campaign_starts_only_with_a_trunk_and_something_to_play(pool: PgPool) {
    let store = Store::from_pool(pool);
    let bare = store.create_campaign(&new_campaign("bare", None, None)).await.unwrap();
    for action in [CampaignAction::Start, CampaignAction::Schedule] {
        let refused = store.campaign_action(bare.id, action, &Actor::system("test")).await.unwrap();
        assert_eq!(refused.unwrap_err(), ActionRefused::Missing(vec!["trunk_id", "prompt_id or script_id"]));
    }
    assert_eq!(store.campaign(bare.id).await.unwrap().status, "draft");
}

/// The Scheduler's leadership, for calling its actions.
async fn leader(store: &Store) -> herald_store::LeaderFence {
    store.hold_leadership("test-scheduler", std::time::Duration::from_secs(60)).await.unwrap().expect("leader")
}
