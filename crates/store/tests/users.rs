//! Users, sessions, API tokens and their audit rows against a real
//! PostgreSQL (a fresh database per test). Hashes here are placeholders: the
//! store keeps them and never computes them.

use herald_store::{
    Actor, AuditQuery, CreateUser, NewSession, NewUser, RevokeToken, Role, Store, UpdateUser, UserChanges,
};
use sqlx::PgPool;

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.to_owned(),
        display_name: String::new(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$placeholder".to_owned(),
    }
}

async fn create(store: &Store, email: &str, role: Role) -> herald_store::User {
    match store.create_user(&new_user(email, role), &Actor::system("test")).await.unwrap() {
        CreateUser::Created(user) => user,
        CreateUser::EmailTaken => panic!("{email} taken"),
    }
}

async fn audit(store: &Store) -> Vec<(String, String, Option<i64>)> {
    let entries = store.audit_entries(&AuditQuery { limit: 100, ..AuditQuery::default() }).await.unwrap();
    entries.into_iter().rev().map(|entry| (entry.action, entry.entity, entry.entity_id)).collect()
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn an_email_belongs_to_one_user_whatever_its_case(pool: PgPool) {
    let store = Store::from_pool(pool);
    let ada = create(&store, "ada@example.org", Role::Admin).await;
    assert_eq!(ada.role, Role::Admin);
    let again = store.create_user(&new_user("ADA@example.org", Role::Viewer), &Actor::system("test")).await.unwrap();
    assert!(matches!(again, CreateUser::EmailTaken));
    // Only the successful create was audited.
    assert_eq!(audit(&store).await, vec![("create".into(), "user".into(), Some(ada.id))]);
    let credentials = store.user_credentials("Ada@Example.org").await.unwrap().unwrap();
    assert_eq!(credentials.user, ada);
    assert!(credentials.password_hash.starts_with("$argon2id$"));
    assert!(store.user_credentials("bob@example.org").await.unwrap().is_none());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_last_enabled_admin_cannot_be_demoted_or_disabled(pool: PgPool) {
    let store = Store::from_pool(pool);
    let ada = create(&store, "ada@example.org", Role::Admin).await;
    let actor = Actor { user_id: Some(ada.id), name: ada.email.clone() };
    let demote = UserChanges { role: Some(Role::Manager), ..UserChanges::default() };
    let disable = UserChanges { disabled: Some(true), ..UserChanges::default() };
    assert!(matches!(store.update_user(ada.id, &demote, &actor, None).await.unwrap(), UpdateUser::LastAdmin));
    assert!(matches!(store.update_user(ada.id, &disable, &actor, None).await.unwrap(), UpdateUser::LastAdmin));
    assert_eq!(audit(&store).await.len(), 1, "refused changes are not audited");

    let bob = create(&store, "bob@example.org", Role::Admin).await;
    let UpdateUser::Updated(demoted) = store.update_user(ada.id, &demote, &actor, None).await.unwrap() else {
        panic!("another admin remains");
    };
    assert_eq!(demoted.role, Role::Manager);
    assert!(matches!(store.update_user(bob.id, &disable, &actor, None).await.unwrap(), UpdateUser::LastAdmin));
    let entries = store.audit_entries(&AuditQuery { limit: 1, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(entries[0].details, serde_json::json!({"role": {"from": "admin", "to": "manager"}}));
    assert_eq!(entries[0].actor, "ada@example.org");
    assert_eq!(entries[0].actor_user_id, Some(ada.id));

    let missing = store.update_user(9999, &demote, &actor, None).await.unwrap_err();
    assert!(matches!(missing, herald_store::Error::NotFound { entity: "user", id: 9999 }));
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn sessions_expire_end_and_die_with_a_new_password(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let ada = create(&store, "ada@example.org", Role::Viewer).await;
    let actor = Actor { user_id: Some(ada.id), name: ada.email.clone() };
    for (hash, lifetime) in [(b"one".as_slice(), 3600), (b"two", 3600), (b"old", 0)] {
        let session = NewSession { token_hash: hash, user_id: ada.id, csrf_token: "csrf", lifetime_secs: lifetime };
        store.create_session(&session, &actor, serde_json::json!({})).await.unwrap();
    }
    let live = store.live_session(b"one").await.unwrap().unwrap();
    assert_eq!((live.user.id, live.csrf_token.as_str()), (ada.id, "csrf"));
    assert!(store.live_session(b"old").await.unwrap().is_none(), "expired");
    assert!(store.live_session(b"nope").await.unwrap().is_none());

    assert!(store.end_session(b"two", &actor).await.unwrap());
    assert!(!store.end_session(b"two", &actor).await.unwrap());
    assert!(store.live_session(b"two").await.unwrap().is_none());

    // A new password ends every other session of the user.
    let session = NewSession { token_hash: b"three", user_id: ada.id, csrf_token: "c", lifetime_secs: 3600 };
    store.create_session(&session, &actor, serde_json::json!({})).await.unwrap();
    let changes = UserChanges { password_hash: Some("$argon2id$new".into()), ..UserChanges::default() };
    store.update_user(ada.id, &changes, &actor, Some(b"three")).await.unwrap();
    assert!(store.live_session(b"one").await.unwrap().is_none());
    assert!(store.live_session(b"three").await.unwrap().is_some(), "the changing session stays");
    let (stored,): (String,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE id = $1").bind(ada.id).fetch_one(&pool).await.unwrap();
    assert_eq!(stored, "$argon2id$new");

    let actions: Vec<String> = audit(&store).await.into_iter().map(|(action, _, _)| action).collect();
    assert_eq!(actions, ["create", "login", "login", "login", "logout", "login", "update"]);
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn a_disabled_user_has_no_live_session_or_token(pool: PgPool) {
    let store = Store::from_pool(pool);
    let admin = create(&store, "admin@example.org", Role::Admin).await;
    let bob = create(&store, "bob@example.org", Role::Manager).await;
    let actor = Actor { user_id: Some(admin.id), name: admin.email.clone() };
    let session = NewSession { token_hash: b"bob", user_id: bob.id, csrf_token: "c", lifetime_secs: 3600 };
    store.create_session(&session, &actor, serde_json::json!({})).await.unwrap();
    store.create_api_token(bob.id, "ci", b"bob-token", &actor).await.unwrap();
    assert!(store.live_token(b"bob-token").await.unwrap().is_some());

    let disable = UserChanges { disabled: Some(true), ..UserChanges::default() };
    store.update_user(bob.id, &disable, &actor, None).await.unwrap();
    assert!(store.live_session(b"bob").await.unwrap().is_none());
    assert!(store.live_token(b"bob-token").await.unwrap().is_none());
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn tokens_are_listed_used_and_revoked(pool: PgPool) {
    let store = Store::from_pool(pool);
    let ada = create(&store, "ada@example.org", Role::Manager).await;
    let actor = Actor { user_id: Some(ada.id), name: ada.email.clone() };
    let token = store.create_api_token(ada.id, "deploy", b"hash", &actor).await.unwrap();
    assert_eq!((token.user_email.as_str(), token.name.as_str()), ("ada@example.org", "deploy"));
    assert!(token.last_used_at.is_none());
    let missing = store.create_api_token(9999, "x", b"other", &actor).await.unwrap_err();
    assert!(matches!(missing, herald_store::Error::NotFound { entity: "user", .. }));

    let live = store.live_token(b"hash").await.unwrap().unwrap();
    assert_eq!((live.user.id, live.token_id, live.token_name.as_str()), (ada.id, token.id, "deploy"));
    assert!(store.api_token(token.id).await.unwrap().last_used_at.is_some());
    assert_eq!(store.api_tokens(Some(ada.id)).await.unwrap().len(), 1);
    assert_eq!(store.api_tokens(Some(9999)).await.unwrap().len(), 0);

    assert_eq!(store.revoke_api_token(token.id, &actor).await.unwrap(), RevokeToken::Revoked);
    assert_eq!(store.revoke_api_token(token.id, &actor).await.unwrap(), RevokeToken::AlreadyRevoked);
    assert!(store.live_token(b"hash").await.unwrap().is_none());
    assert!(store.api_token(token.id).await.unwrap().revoked_at.is_some());
    assert!(matches!(store.revoke_api_token(9999, &actor).await, Err(herald_store::Error::NotFound { .. })));

    let query = AuditQuery { entity: Some("api_token".into()), limit: 10, ..AuditQuery::default() };
    let actions: Vec<String> =
        store.audit_entries(&query).await.unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(actions, ["revoke", "create"], "newest first, one revoke");
}

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_audit_log_pages_newest_first(pool: PgPool) {
    let store = Store::from_pool(pool);
    for index in 0..5 {
        create(&store, &format!("user{index}@example.org"), Role::Viewer).await;
    }
    let first = store.audit_entries(&AuditQuery { limit: 2, ..AuditQuery::default() }).await.unwrap();
    let second = store
        .audit_entries(&AuditQuery { limit: 2, before: Some(first[1].id), ..AuditQuery::default() })
        .await
        .unwrap();
    let last = store
        .audit_entries(&AuditQuery { limit: 2, before: Some(second[1].id), ..AuditQuery::default() })
        .await
        .unwrap();
    let ids: Vec<i64> = first.iter().chain(&second).chain(&last).map(|entry| entry.id).collect();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "{ids:?}");
    assert_eq!(first[0].actor, "system:test");
    assert_eq!(first[0].details["email"], "user4@example.org");
    let one =
        AuditQuery { limit: 10, entity: Some("user".into()), entity_id: first[0].entity_id, ..AuditQuery::default() };
    assert_eq!(store.audit_entries(&one).await.unwrap().len(), 1);
}
