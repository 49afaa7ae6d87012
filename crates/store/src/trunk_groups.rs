//! Trunk groups: the trunks a campaign's calls may use, in order or by
//! weight, optionally only for some number prefixes. It never picks the trunk
//! for a call (the Talker does, by the group's strategy).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct TrunkGroup {
    pub id: i64,
    pub name: String,
    /// ordered or weighted.
    pub strategy: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct TrunkGroupMember {
    pub trunk_id: i64,
    pub position: i32,
    pub weight: i32,
    /// Only numbers starting with one of these use the trunk; empty: all.
    pub prefixes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrunkGroupDetail {
    #[serde(flatten)]
    pub group: TrunkGroup,
    pub members: Vec<TrunkGroupMember>,
}

impl Store {
    pub async fn trunk_groups(&self) -> Result<Vec<TrunkGroup>> {
        Ok(sqlx::query_as::<_, TrunkGroup>("SELECT id, name, strategy, created_at FROM trunk_groups ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn trunk_group(&self, group_id: i64) -> Result<TrunkGroupDetail> {
        let group =
            sqlx::query_as::<_, TrunkGroup>("SELECT id, name, strategy, created_at FROM trunk_groups WHERE id = $1")
                .bind(group_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(crate::Error::NotFound { entity: "trunk group", id: group_id })?;
        let members = sqlx::query_as::<_, TrunkGroupMember>(
            "SELECT trunk_id, position, weight, prefixes FROM trunk_group_members \
             WHERE trunk_group_id = $1 ORDER BY position, trunk_id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(TrunkGroupDetail { group, members })
    }

    pub async fn add_trunk_group(&self, name: &str, strategy: &str, actor: &Actor) -> Result<Change<TrunkGroup>> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, TrunkGroup>(
            "INSERT INTO trunk_groups (name, strategy) VALUES ($1, $2) RETURNING id, name, strategy, created_at",
        )
        .bind(name)
        .bind(strategy)
        .fetch_one(&mut *transaction)
        .await;
        let group = match created {
            Ok(group) => group,
            Err(error) => return refused(error, Some("a trunk group with this name already exists"), None),
        };
        let details = serde_json::json!({ "name": name, "strategy": strategy });
        audit::record(&mut transaction, actor, "create", "trunk_group", Some(group.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(group))
    }

    /// Adds a trunk to the group or changes its place, audited. `Conflict`
    /// when the trunk does not exist.
    pub async fn put_trunk_group_member(
        &self,
        group_id: i64,
        member: &TrunkGroupMember,
        actor: &Actor,
    ) -> Result<Change<()>> {
        self.trunk_group(group_id).await?;
        let mut transaction = self.pool.begin().await?;
        let written = sqlx::query(
            "INSERT INTO trunk_group_members (trunk_group_id, trunk_id, position, weight, prefixes) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (trunk_group_id, trunk_id) DO UPDATE \
             SET position = EXCLUDED.position, weight = EXCLUDED.weight, prefixes = EXCLUDED.prefixes",
        )
        .bind(group_id)
        .bind(member.trunk_id)
        .bind(member.position)
        .bind(member.weight)
        .bind(&member.prefixes)
        .execute(&mut *transaction)
        .await;
        match written {
            Ok(_) => {}
            Err(error) => return refused(error, None, Some("the trunk does not exist")),
        }
        let details = serde_json::json!({
            "trunk_id": member.trunk_id, "position": member.position, "weight": member.weight, "prefixes": member.prefixes,
        });
        audit::record(&mut transaction, actor, "put_member", "trunk_group", Some(group_id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(()))
    }

    /// Renames a group or changes its strategy, audited.
    pub async fn update_trunk_group(
        &self,
        group_id: i64,
        name: &str,
        strategy: &str,
        actor: &Actor,
    ) -> Result<Change<TrunkGroup>> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query_as::<_, TrunkGroup>(
            "UPDATE trunk_groups SET name = $2, strategy = $3 WHERE id = $1 RETURNING id, name, strategy, created_at",
        )
        .bind(group_id)
        .bind(name)
        .bind(strategy)
        .fetch_optional(&mut *transaction)
        .await;
        let group = match updated {
            Ok(Some(group)) => group,
            Ok(None) => return Err(crate::Error::NotFound { entity: "trunk group", id: group_id }),
            Err(error) => return refused(error, Some("a trunk group with this name already exists"), None),
        };
        let details = serde_json::json!({ "name": name, "strategy": strategy });
        audit::record(&mut transaction, actor, "update", "trunk_group", Some(group_id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(group))
    }

    /// Deletes a group no campaign uses, audited.
    pub async fn delete_trunk_group(&self, group_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("trunk_groups", "trunk group", group_id, actor, "a campaign routes through this group").await
    }

    pub async fn remove_trunk_group_member(&self, group_id: i64, trunk_id: i64, actor: &Actor) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM trunk_group_members WHERE trunk_group_id = $1 AND trunk_id = $2")
            .bind(group_id)
            .bind(trunk_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({ "trunk_id": trunk_id });
        audit::record(&mut transaction, actor, "remove_member", "trunk_group", Some(group_id), details).await?;
        transaction.commit().await?;
        Ok(true)
    }
}
