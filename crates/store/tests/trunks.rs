//! Trunks are written one way, audited, whoever writes them (a fresh
//! database per test).

use herald_store::{Actor, AuditQuery, Change, NewTrunk, Store, TrunkFields};
use sqlx::PgPool;

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn trunks_made_by_tools_and_by_managers_are_audited_alike(pool: PgPool) {
    let store = Store::from_pool(pool);
    let mut new = NewTrunk::udp("carrier", "127.0.0.1", 5060);
    new.auth_password = Some("secret".into());
    let created = store.create_trunk(&new).await.unwrap();
    assert!(created.enabled && created.from_domain.is_none());
    assert_eq!((created.cps_limit, created.max_lines), (50.0, 500));

    let again = store.create_trunk(&new).await.unwrap_err();
    assert!(matches!(again, herald_store::Error::Conflict("a trunk with this name already exists")), "{again}");

    let mut fields = TrunkFields::from(&created);
    fields.max_lines = 40;
    let manager = Actor { user_id: None, name: "manager@example.org".into() };
    let Change::Done(updated) = store.save_trunk(Some(created.id), &fields, &manager).await.unwrap() else {
        panic!("the update was refused");
    };
    assert_eq!(updated.max_lines, 40);
    assert_eq!(store.trunks().await.unwrap().len(), 1);

    let query = AuditQuery { limit: 10, entity: Some("trunk".into()), ..AuditQuery::default() };
    let entries = store.audit_entries(&query).await.unwrap();
    let seen: Vec<(&str, &str)> =
        entries.iter().rev().map(|entry| (entry.actor.as_str(), entry.action.as_str())).collect();
    assert_eq!(seen, [("system:setup", "create"), ("manager@example.org", "update")]);
    assert_eq!(entries[1].details["password_set"], true, "the password itself is never audited");
    assert!(entries[1].details.get("auth_password").is_none());
}
