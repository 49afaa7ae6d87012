//! Campaigns: the model as managers edit it and as Talkers and the
//! Scheduler read it, their audited create, edit and clone, and every status
//! write (managers' actions, the schedule, completion). Which moves are
//! allowed is [`lifecycle`]'s to say; status writes by an action or a
//! schedule go through one statement ([`write_status`]). It never touches a
//! campaign's contacts or attempts.

pub(crate) mod lifecycle;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{AllowedActions, CampaignAction, CampaignStatus, Result, Store};

/// What a Talker needs to know about a running campaign to dial it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DialPlan {
    pub id: i64,
    pub prompt_id: Option<i64>,
    /// Play this call script instead of `prompt_id`.
    pub script_id: Option<i64>,
    pub trunk_id: Option<i64>,
    /// Route through this group's trunks (ordered or weighted, by prefix, with
    /// failover) instead of `trunk_id`.
    pub trunk_group_id: Option<i64>,
    pub caller_id: Option<String>,
    /// Present a number from this pool (by its strategy) instead of `caller_id`.
    pub caller_id_pool_id: Option<i64>,
    pub max_attempts: i32,
    pub ring_timeout_secs: i32,
    pub retry_rules: serde_json::Value,
    /// Local calling hours (`herald_policy::CallingWindow` JSON); `{}` means
    /// no restriction.
    pub calling_window: serde_json::Value,
    /// Call only numbers on a whitelist.
    pub whitelist_only: bool,
    /// The campaign's own calls per second, across the cluster, below its
    /// trunks' (`None`: the trunks' alone).
    pub cps_cap: Option<f64>,
    /// The campaign's own concurrent calls, across the cluster.
    pub concurrency_cap: Option<i32>,
}

/// A campaign as managers see and edit it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub status: String,
    /// What a manager may do next from `status` (the lifecycle's table; a
    /// start or schedule may still be refused for a missing trunk or prompt).
    #[sqlx(rename = "status", try_from = "String")]
    pub allowed_actions: AllowedActions,
    pub prompt_id: Option<i64>,
    /// Play this call script instead of `prompt_id`.
    pub script_id: Option<i64>,
    pub trunk_id: Option<i64>,
    /// Route through this group's trunks (with failover) instead of `trunk_id`.
    pub trunk_group_id: Option<i64>,
    pub caller_id: Option<String>,
    /// Present numbers from this pool instead of `caller_id`.
    pub caller_id_pool_id: Option<i64>,
    pub max_attempts: i32,
    pub ring_timeout_secs: i32,
    pub cps_cap: Option<f64>,
    pub concurrency_cap: Option<i32>,
    /// The campaign's own zone: its schedule's crons and dates are read in it.
    pub timezone: String,
    pub calling_window: serde_json::Value,
    pub retry_rules: serde_json::Value,
    pub whitelist_only: bool,
    pub schedule_start_cron: Option<String>,
    pub schedule_stop_cron: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every column of [`Campaign`], for `SELECT` and `RETURNING` (a macro, so
/// that queries stay `&'static str`s built with `concat!`).
macro_rules! campaign_columns {
    () => {
        "id, name, status, prompt_id, script_id, trunk_id, trunk_group_id, caller_id, caller_id_pool_id, max_attempts, \
         ring_timeout_secs, cps_cap, \
         concurrency_cap, timezone, calling_window, retry_rules, whitelist_only, schedule_start_cron, \
         schedule_stop_cron, starts_at, ends_at, started_at, completed_at, created_at, updated_at"
    };
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub prompt_id: Option<i64>,
    pub trunk_id: Option<i64>,
    pub caller_id: Option<String>,
    pub max_attempts: i32,
    pub ring_timeout_secs: i32,
    pub retry_rules: serde_json::Value,
}

/// A campaign as the Scheduler sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScheduledCampaign {
    pub id: i64,
    pub status: String,
    pub schedule_start_cron: Option<String>,
    pub schedule_stop_cron: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: String,
    /// The last manual status change: schedule events before it are ignored.
    pub schedule_override_at: Option<DateTime<Utc>>,
}

/// A campaign's editable fields, validated by the caller.
#[derive(Debug, Clone)]
pub struct CampaignFields {
    pub name: String,
    pub prompt_id: Option<i64>,
    pub script_id: Option<i64>,
    pub trunk_id: Option<i64>,
    pub trunk_group_id: Option<i64>,
    pub caller_id: Option<String>,
    pub caller_id_pool_id: Option<i64>,
    pub max_attempts: i32,
    pub ring_timeout_secs: i32,
    pub cps_cap: Option<f64>,
    pub concurrency_cap: Option<i32>,
    pub timezone: String,
    pub calling_window: serde_json::Value,
    pub retry_rules: serde_json::Value,
    pub whitelist_only: bool,
    pub schedule_start_cron: Option<String>,
    pub schedule_stop_cron: Option<String>,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&Campaign> for CampaignFields {
    fn from(campaign: &Campaign) -> CampaignFields {
        CampaignFields {
            name: campaign.name.clone(),
            prompt_id: campaign.prompt_id,
            script_id: campaign.script_id,
            trunk_id: campaign.trunk_id,
            trunk_group_id: campaign.trunk_group_id,
            caller_id: campaign.caller_id.clone(),
            caller_id_pool_id: campaign.caller_id_pool_id,
            max_attempts: campaign.max_attempts,
            ring_timeout_secs: campaign.ring_timeout_secs,
            cps_cap: campaign.cps_cap,
            concurrency_cap: campaign.concurrency_cap,
            timezone: campaign.timezone.clone(),
            calling_window: campaign.calling_window.clone(),
            retry_rules: campaign.retry_rules.clone(),
            whitelist_only: campaign.whitelist_only,
            schedule_start_cron: campaign.schedule_start_cron.clone(),
            schedule_stop_cron: campaign.schedule_stop_cron.clone(),
            starts_at: campaign.starts_at,
            ends_at: campaign.ends_at,
        }
    }
}

/// Why a lifecycle action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRefused {
    /// Not allowed from the campaign's current status.
    FromStatus(String),
    /// The campaign cannot dial without these (e.g. a trunk and a prompt).
    Missing(Vec<&'static str>),
}

impl Store {
    pub async fn create_campaign(&self, campaign: &NewCampaign) -> Result<Campaign> {
        Ok(sqlx::query_as::<_, Campaign>(concat!(
            "INSERT INTO campaigns (name, prompt_id, trunk_id, caller_id, max_attempts, ring_timeout_secs, retry_rules) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            campaign_columns!()
        ))
        .bind(&campaign.name)
        .bind(campaign.prompt_id)
        .bind(campaign.trunk_id)
        .bind(&campaign.caller_id)
        .bind(campaign.max_attempts)
        .bind(campaign.ring_timeout_secs)
        .bind(&campaign.retry_rules)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn campaign(&self, campaign_id: i64) -> Result<Campaign> {
        sqlx::query_as::<_, Campaign>(concat!("SELECT ", campaign_columns!(), " FROM campaigns WHERE id = $1"))
            .bind(campaign_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "campaign", id: campaign_id })
    }

    /// Campaigns, newest first; archived ones only when asked for by status.
    pub async fn campaigns(&self, status: Option<&str>) -> Result<Vec<Campaign>> {
        Ok(sqlx::query_as::<_, Campaign>(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE CASE WHEN $1::text IS NULL THEN status <> 'archived' ELSE status = $1 END \
              ORDER BY id DESC"
        ))
        .bind(status)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Creates (`campaign_id` `None`, as a draft) or replaces a campaign's
    /// fields, audited.
    pub async fn save_campaign(
        &self,
        campaign_id: Option<i64>,
        fields: &CampaignFields,
        actor: &Actor,
    ) -> Result<Change<Campaign>> {
        let mut transaction = self.pool.begin().await?;
        let query = match campaign_id {
            None => concat!(
                "INSERT INTO campaigns (name, prompt_id, trunk_id, caller_id, max_attempts, ring_timeout_secs, \
                     cps_cap, concurrency_cap, timezone, calling_window, retry_rules, whitelist_only, \
                     schedule_start_cron, schedule_stop_cron, starts_at, ends_at, caller_id_pool_id, trunk_group_id, \
                     script_id, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
                 RETURNING ",
                campaign_columns!()
            ),
            Some(_) => concat!(
                "UPDATE campaigns SET name = $1, prompt_id = $2, trunk_id = $3, caller_id = $4, max_attempts = $5, \
                     ring_timeout_secs = $6, cps_cap = $7, concurrency_cap = $8, timezone = $9, \
                     calling_window = $10, retry_rules = $11, whitelist_only = $12, schedule_start_cron = $13, \
                     schedule_stop_cron = $14, starts_at = $15, ends_at = $16, caller_id_pool_id = $17, \
                     trunk_group_id = $18, script_id = $19, updated_at = now() \
                 WHERE id = $20 RETURNING ",
                campaign_columns!()
            ),
        };
        let saved = sqlx::query_as::<_, Campaign>(query)
            .bind(&fields.name)
            .bind(fields.prompt_id)
            .bind(fields.trunk_id)
            .bind(&fields.caller_id)
            .bind(fields.max_attempts)
            .bind(fields.ring_timeout_secs)
            .bind(fields.cps_cap)
            .bind(fields.concurrency_cap)
            .bind(&fields.timezone)
            .bind(&fields.calling_window)
            .bind(&fields.retry_rules)
            .bind(fields.whitelist_only)
            .bind(&fields.schedule_start_cron)
            .bind(&fields.schedule_stop_cron)
            .bind(fields.starts_at)
            .bind(fields.ends_at)
            .bind(fields.caller_id_pool_id)
            .bind(fields.trunk_group_id)
            .bind(fields.script_id)
            // $20: the campaign to update, or the user creating it.
            .bind(if campaign_id.is_some() { campaign_id } else { actor.user_id })
            .fetch_optional(&mut *transaction)
            .await;
        let campaign = match saved {
            Ok(Some(campaign)) => campaign,
            Ok(None) => {
                return Err(crate::Error::NotFound { entity: "campaign", id: campaign_id.unwrap_or_default() });
            }
            Err(error) => {
                return refused(
                    error,
                    Some("the name is taken"),
                    Some("the trunk, trunk group, prompt, call script or caller ID pool does not exist"),
                );
            }
        };
        let action = if campaign_id.is_some() { "update" } else { "create" };
        let details = serde_json::json!({
            "name": campaign.name, "trunk_id": campaign.trunk_id, "prompt_id": campaign.prompt_id,
            "script_id": campaign.script_id,
            "max_attempts": campaign.max_attempts, "cps_cap": campaign.cps_cap,
            "concurrency_cap": campaign.concurrency_cap, "timezone": campaign.timezone,
        });
        audit::record(&mut transaction, actor, action, "campaign", Some(campaign.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(campaign))
    }

    /// A new draft with the campaign's settings (not its contacts), audited.
    pub async fn clone_campaign(&self, campaign_id: i64, actor: &Actor) -> Result<Campaign> {
        let mut transaction = self.pool.begin().await?;
        let clone = sqlx::query_as::<_, Campaign>(concat!(
            "INSERT INTO campaigns (name, prompt_id, trunk_id, trunk_group_id, caller_id, caller_id_pool_id, \
                 script_id, max_attempts, ring_timeout_secs, cps_cap, concurrency_cap, timezone, calling_window, \
                 retry_rules, whitelist_only, schedule_start_cron, schedule_stop_cron, created_by) \
             SELECT name || ' (copy)', prompt_id, trunk_id, trunk_group_id, caller_id, caller_id_pool_id, \
                 script_id, max_attempts, ring_timeout_secs, cps_cap, concurrency_cap, timezone, calling_window, \
                 retry_rules, whitelist_only, schedule_start_cron, schedule_stop_cron, $2 \
             FROM campaigns WHERE id = $1 RETURNING ",
            campaign_columns!()
        ))
        .bind(campaign_id)
        .bind(actor.user_id)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or(crate::Error::NotFound { entity: "campaign", id: campaign_id })?;
        let details = serde_json::json!({ "from": campaign_id });
        audit::record(&mut transaction, actor, "clone", "campaign", Some(clone.id), details).await?;
        transaction.commit().await?;
        Ok(clone)
    }

    /// Applies a manager's lifecycle action, audited. A manual action
    /// overrides the campaign's schedule until the schedule's next event.
    pub async fn campaign_action(
        &self,
        campaign_id: i64,
        action: CampaignAction,
        actor: &Actor,
    ) -> Result<std::result::Result<Campaign, ActionRefused>> {
        let mut transaction = self.pool.begin().await?;
        let current = lock_campaign(&mut transaction, campaign_id).await?;
        let target = CampaignStatus::parse(&current.status).and_then(|status| action.target_from(status));
        let Some(to) = target else {
            return Ok(Err(ActionRefused::FromStatus(current.status)));
        };
        if to == CampaignStatus::Running || to == CampaignStatus::Scheduled {
            let mut missing = Vec::new();
            if current.trunk_id.is_none() && current.trunk_group_id.is_none() {
                missing.push("trunk_id");
            }
            if current.prompt_id.is_none() && current.script_id.is_none() {
                missing.push("prompt_id or script_id");
            }
            if !missing.is_empty() {
                return Ok(Err(ActionRefused::Missing(missing)));
            }
        }
        let campaign = write_status(&mut transaction, campaign_id, None, to, Mover::Person)
            .await?
            .ok_or(crate::Error::NotFound { entity: "campaign", id: campaign_id })?;
        let details = serde_json::json!({ "from": current.status, "to": to.as_str() });
        audit::record(&mut transaction, actor, action.as_str(), "campaign", Some(campaign_id), details).await?;
        transaction.commit().await?;
        Ok(Ok(campaign))
    }

    /// Moves a campaign to `status`, stamping when it started or ended, and
    /// records who did it in the audit log. An actor that is not
    /// `system:…` is a person: their action overrides the schedule until its
    /// next event.
    pub async fn set_campaign_status(&self, campaign_id: i64, status: CampaignStatus, actor: &str) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        let mover = if actor.starts_with("system:") { Mover::System } else { Mover::Person };
        if write_status(&mut transaction, campaign_id, None, status, mover).await?.is_none() {
            return Err(crate::Error::NotFound { entity: "campaign", id: campaign_id });
        }
        sqlx::query(
            "INSERT INTO audit_log (actor, action, entity, entity_id, details) \
             VALUES ($1, 'set_status', 'campaign', $2, jsonb_build_object('status', $3::text))",
        )
        .bind(actor)
        .bind(campaign_id)
        .bind(status.as_str())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Campaigns the Scheduler may move by their schedule.
    pub async fn scheduled_campaigns(&self) -> Result<Vec<ScheduledCampaign>> {
        self.timed(async {
            Ok(sqlx::query_as::<_, ScheduledCampaign>(SCHEDULED_CAMPAIGNS).fetch_all(&self.pool).await?)
        })
        .await
    }

    /// Moves a campaign from `from` to `to` if it is still in `from` (a
    /// manager may have acted meanwhile), audited as the scheduler, as the
    /// Scheduler leader `fence`.
    pub async fn apply_schedule(
        &self,
        fence: &crate::LeaderFence,
        campaign_id: i64,
        from: &str,
        to: CampaignStatus,
    ) -> Result<bool> {
        self.timed(async {
            let mut transaction = self.begin_as_leader(fence).await?;
            if write_status(&mut transaction, campaign_id, Some(from), to, Mover::Schedule).await?.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO audit_log (actor, action, entity, entity_id, details) \
                 VALUES ($1, 'schedule', 'campaign', $2, jsonb_build_object('from', $3::text, 'to', $4::text))",
            )
            .bind(format!("system:scheduler:{}", fence.holder))
            .bind(campaign_id)
            .bind(from)
            .bind(to.as_str())
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(true)
        })
        .await
    }

    /// The campaigns Talkers should dial now, with what they need to dial them.
    pub async fn running_dial_plans(&self) -> Result<Vec<DialPlan>> {
        self.timed(async {
        Ok(sqlx::query_as::<_, DialPlan>(
            "SELECT id, prompt_id, script_id, trunk_id, trunk_group_id, caller_id, caller_id_pool_id, max_attempts, ring_timeout_secs, \
                    retry_rules, calling_window, whitelist_only, cps_cap, concurrency_cap \
             FROM campaigns WHERE status = 'running' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
        })
        .await
    }

    /// Marks running campaigns with nothing left to dial as completed, as
    /// the Scheduler leader `fence`; returns their ids. Nothing left means
    /// no queued or leased contact and no import still loading contacts
    /// (a campaign started while its upload streams in is not done when
    /// the first rows are dialed).
    pub async fn complete_finished_campaigns(&self, fence: &crate::LeaderFence) -> Result<Vec<i64>> {
        self.timed(async {
            let mut transaction = self.begin_as_leader(fence).await?;
            let rows: Vec<(i64,)> = sqlx::query_as(
                "UPDATE campaigns k SET status = 'completed', completed_at = now(), updated_at = now() \
                 WHERE k.status = 'running' \
                   AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = k.id AND c.state = 'queued') \
                   AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = k.id AND c.state = 'leased') \
                   AND NOT EXISTS (SELECT 1 FROM imports i WHERE i.campaign_id = k.id \
                                   AND i.state IN ('waiting', 'running')) \
                 RETURNING k.id",
            )
            .fetch_all(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(rows.into_iter().map(|(id,)| id).collect())
        })
        .await
    }
}

/// The campaigns whose schedule the Scheduler follows: those in
/// [`CampaignStatus::FOLLOWING_SCHEDULE`], spelled out so that the statement
/// matches the partial index made for it (a test checks the two agree).
const SCHEDULED_CAMPAIGNS: &str = "SELECT id, status, schedule_start_cron, schedule_stop_cron, starts_at, ends_at, \
         timezone, schedule_override_at \
     FROM campaigns \
     WHERE status IN ('scheduled', 'running', 'paused') \
       AND (schedule_start_cron IS NOT NULL OR schedule_stop_cron IS NOT NULL \
            OR starts_at IS NOT NULL OR ends_at IS NOT NULL)";

/// Who moves a campaign: a person's move overrides its schedule until the
/// schedule's next event; Herald's own and the schedule's do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mover {
    Person,
    System,
    Schedule,
}

/// The one statement that changes a campaign's status: it stamps
/// `started_at` the first time the campaign dials, `completed_at` when it
/// ends, and a person's move as the schedule's override. With `from`, only if
/// the campaign is still in that status. `None`: no such campaign (in `from`).
async fn write_status(
    connection: &mut PgConnection,
    campaign_id: i64,
    from: Option<&str>,
    to: CampaignStatus,
    mover: Mover,
) -> Result<Option<Campaign>> {
    Ok(sqlx::query_as::<_, Campaign>(concat!(
        "UPDATE campaigns SET status = $2, updated_at = now(), \
             started_at = CASE WHEN $3 THEN coalesce(started_at, now()) ELSE started_at END, \
             completed_at = CASE WHEN $4 THEN now() ELSE completed_at END, \
             schedule_override_at = CASE WHEN $5 THEN now() ELSE schedule_override_at END \
         WHERE id = $1 AND ($6::text IS NULL OR status = $6) RETURNING ",
        campaign_columns!()
    ))
    .bind(campaign_id)
    .bind(to.as_str())
    .bind(to.is_dialing())
    .bind(to.has_ended())
    .bind(mover == Mover::Person)
    .bind(from)
    .fetch_optional(connection)
    .await?)
}

/// The campaign, locked for the rest of the transaction.
async fn lock_campaign(connection: &mut PgConnection, campaign_id: i64) -> Result<Campaign> {
    sqlx::query_as::<_, Campaign>(concat!("SELECT ", campaign_columns!(), " FROM campaigns WHERE id = $1 FOR UPDATE"))
        .bind(campaign_id)
        .fetch_optional(connection)
        .await?
        .ok_or(crate::Error::NotFound { entity: "campaign", id: campaign_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduler_reads_the_statuses_the_lifecycle_says_it_follows() {
        let statuses: Vec<String> =
            CampaignStatus::FOLLOWING_SCHEDULE.iter().map(|status| format!("'{}'", status.as_str())).collect();
        let condition = format!("status IN ({})", statuses.join(", "));
        assert!(SCHEDULED_CAMPAIGNS.contains(&condition), "{SCHEDULED_CAMPAIGNS}");
    }
}
