//! What campaign managers change through the API: trunks, prompts,
//! campaigns and their lifecycle. Every change is audited in the transaction
//! that makes it.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::audit::{self, Actor};
use crate::models::campaign_columns;
use crate::{Campaign, Result, Store, Trunk};

/// The result of a change that a constraint may refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    Done(T),
    /// A unique name is taken, or the row is still in use: the message says which.
    Conflict(&'static str),
}

/// A statement's error as a change's result: a unique violation (`taken`)
/// or a foreign-key violation (`missing`) is the request's conflict with
/// what is stored; anything else is an error.
pub(crate) fn refused<T>(
    error: sqlx::Error,
    taken: Option<&'static str>,
    missing: Option<&'static str>,
) -> Result<Change<T>> {
    let code = error.as_database_error().and_then(|error| error.code());
    let message = match code.as_deref() {
        Some("23505") => taken,
        Some("23503") => missing,
        _ => None,
    };
    match message {
        Some(message) => Ok(Change::Conflict(message)),
        None => Err(error.into()),
    }
}

/// A trunk's editable fields, validated by the caller.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrunkFields {
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub from_domain: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
    pub enabled: bool,
}

impl From<&Trunk> for TrunkFields {
    fn from(trunk: &Trunk) -> TrunkFields {
        TrunkFields {
            name: trunk.name.clone(),
            host: trunk.host.clone(),
            port: trunk.port,
            transport: trunk.transport.clone(),
            auth_username: trunk.auth_username.clone(),
            auth_password: trunk.auth_password.clone(),
            auth_password_env: trunk.auth_password_env.clone(),
            from_domain: trunk.from_domain.clone(),
            cps_limit: trunk.cps_limit,
            max_lines: trunk.max_lines,
            enabled: trunk.enabled,
        }
    }
}

/// What the audit log keeps of a trunk: never its password.
fn trunk_details(fields: &TrunkFields) -> serde_json::Value {
    serde_json::json!({
        "name": fields.name, "host": fields.host, "port": fields.port, "transport": fields.transport,
        "cps_limit": fields.cps_limit, "max_lines": fields.max_lines, "enabled": fields.enabled,
        "auth_username": fields.auth_username, "password_set": fields.auth_password.is_some(),
    })
}

/// A prompt without its audio.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct PromptInfo {
    pub id: i64,
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub duration_ms: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
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

/// A manager's lifecycle action on a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignAction {
    /// draft or scheduled → running.
    Start,
    /// draft → scheduled: its schedule (crons, dates) starts it.
    Schedule,
    /// running → paused.
    Pause,
    /// paused → running.
    Resume,
    /// scheduled, running or paused → stopped (for good: queued contacts stay uncalled).
    Stop,
    /// draft, completed or stopped → archived (hidden from the default lists).
    Archive,
}

impl CampaignAction {
    pub fn parse(name: &str) -> Option<CampaignAction> {
        Some(match name {
            "start" => CampaignAction::Start,
            "schedule" => CampaignAction::Schedule,
            "pause" => CampaignAction::Pause,
            "resume" => CampaignAction::Resume,
            "stop" => CampaignAction::Stop,
            "archive" => CampaignAction::Archive,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignAction::Start => "start",
            CampaignAction::Schedule => "schedule",
            CampaignAction::Pause => "pause",
            CampaignAction::Resume => "resume",
            CampaignAction::Stop => "stop",
            CampaignAction::Archive => "archive",
        }
    }

    /// The statuses the action applies to, and the status it leads to.
    pub fn transition(self) -> (&'static [&'static str], &'static str) {
        match self {
            CampaignAction::Start => (&["draft", "scheduled"], "running"),
            CampaignAction::Schedule => (&["draft"], "scheduled"),
            CampaignAction::Pause => (&["running"], "paused"),
            CampaignAction::Resume => (&["paused"], "running"),
            CampaignAction::Stop => (&["scheduled", "running", "paused"], "stopped"),
            CampaignAction::Archive => (&["draft", "completed", "stopped"], "archived"),
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
    pub async fn trunk(&self, trunk_id: i64) -> Result<Trunk> {
        sqlx::query_as::<_, Trunk>(
            "SELECT id, name, host, port, transport, auth_username, auth_password, auth_password_env, \
                    from_domain, cps_limit, max_lines, enabled FROM trunks WHERE id = $1",
        )
        .bind(trunk_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound { entity: "trunk", id: trunk_id })
    }

    /// Creates (`trunk_id` `None`) or replaces a trunk's fields, audited.
    pub async fn save_trunk(
        &self,
        trunk_id: Option<i64>,
        fields: &TrunkFields,
        actor: &Actor,
    ) -> Result<Change<Trunk>> {
        let mut transaction = self.pool.begin().await?;
        let query = match trunk_id {
            None => {
                "INSERT INTO trunks (name, host, port, transport, auth_username, auth_password, auth_password_env, \
                                     from_domain, cps_limit, max_lines, enabled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING id, name, host, port, transport, auth_username, auth_password, auth_password_env, \
                           from_domain, cps_limit, max_lines, enabled"
            }
            Some(_) => {
                "UPDATE trunks SET name = $1, host = $2, port = $3, transport = $4, auth_username = $5, \
                     auth_password = $6, auth_password_env = $7, from_domain = $8, cps_limit = $9, \
                     max_lines = $10, enabled = $11, updated_at = now() \
                 WHERE id = $12 \
                 RETURNING id, name, host, port, transport, auth_username, auth_password, auth_password_env, \
                           from_domain, cps_limit, max_lines, enabled"
            }
        };
        let saved = sqlx::query_as::<_, Trunk>(query)
            .bind(&fields.name)
            .bind(&fields.host)
            .bind(fields.port)
            .bind(&fields.transport)
            .bind(&fields.auth_username)
            .bind(&fields.auth_password)
            .bind(&fields.auth_password_env)
            .bind(&fields.from_domain)
            .bind(fields.cps_limit)
            .bind(fields.max_lines)
            .bind(fields.enabled)
            .bind(trunk_id)
            .fetch_optional(&mut *transaction)
            .await;
        let trunk = match saved {
            Ok(Some(trunk)) => trunk,
            Ok(None) => return Err(crate::Error::NotFound { entity: "trunk", id: trunk_id.unwrap_or_default() }),
            Err(error) => {
                return refused(error, Some("a trunk with this name already exists"), Some("the trunk is in use"));
            }
        };
        let action = if trunk_id.is_some() { "update" } else { "create" };
        audit::record(&mut transaction, actor, action, "trunk", Some(trunk.id), trunk_details(fields)).await?;
        transaction.commit().await?;
        Ok(Change::Done(trunk))
    }

    /// Deletes a trunk no campaign uses, audited.
    pub async fn delete_trunk(&self, trunk_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("trunks", "trunk", trunk_id, actor, "a campaign or trunk group uses this trunk").await
    }

    /// Deletes the row `id` of `table`, audited; `NotFound` names `entity`,
    /// and `in_use` is the conflict when other rows still refer to it.
    pub(crate) async fn delete_row(
        &self,
        table: &'static str,
        entity: &'static str,
        id: i64,
        actor: &Actor,
        in_use: &'static str,
    ) -> Result<Change<()>> {
        // The statement, and the entity as the audit log names it (as its creation was).
        let (query, audited_as) = match table {
            "trunks" => ("DELETE FROM trunks WHERE id = $1", "trunk"),
            "prompts" => ("DELETE FROM prompts WHERE id = $1", "prompt"),
            "lists" => ("DELETE FROM lists WHERE id = $1", "list"),
            "trunk_groups" => ("DELETE FROM trunk_groups WHERE id = $1", "trunk_group"),
            "call_scripts" => ("DELETE FROM call_scripts WHERE id = $1", "call_script"),
            "caller_id_pools" => ("DELETE FROM caller_id_pools WHERE id = $1", "caller_id_pool"),
            _ => unreachable!("delete_row is called with a known table"),
        };
        let mut transaction = self.pool.begin().await?;
        match sqlx::query(query).bind(id).execute(&mut *transaction).await {
            Ok(done) if done.rows_affected() == 0 => return Err(crate::Error::NotFound { entity, id }),
            Ok(_) => {}
            Err(error) => return refused(error, Some(in_use), Some(in_use)),
        }
        audit::record(&mut transaction, actor, "delete", audited_as, Some(id), serde_json::json!({})).await?;
        transaction.commit().await?;
        Ok(Change::Done(()))
    }

    pub async fn prompts(&self) -> Result<Vec<PromptInfo>> {
        Ok(sqlx::query_as::<_, PromptInfo>(
            "SELECT id, name, filename, content_type, duration_ms, created_at FROM prompts ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn prompt(&self, prompt_id: i64) -> Result<PromptInfo> {
        sqlx::query_as::<_, PromptInfo>(
            "SELECT id, name, filename, content_type, duration_ms, created_at FROM prompts WHERE id = $1",
        )
        .bind(prompt_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

    /// The uploaded file and its content type.
    pub async fn prompt_file(&self, prompt_id: i64) -> Result<(String, Vec<u8>)> {
        sqlx::query_as::<_, (String, Vec<u8>)>("SELECT content_type, audio FROM prompts WHERE id = $1")
            .bind(prompt_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

    /// Stores an uploaded prompt, audited.
    pub async fn add_prompt(&self, prompt: &crate::NewPrompt, actor: &Actor) -> Result<Change<PromptInfo>> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, PromptInfo>(
            "INSERT INTO prompts (name, filename, content_type, audio, duration_ms, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, name, filename, content_type, duration_ms, created_at",
        )
        .bind(&prompt.name)
        .bind(&prompt.filename)
        .bind(&prompt.content_type)
        .bind(&prompt.audio)
        .bind(prompt.duration_ms)
        .bind(&prompt.sha256)
        .fetch_one(&mut *transaction)
        .await;
        let created = match created {
            Ok(created) => created,
            Err(error) => return refused(error, Some("a prompt with this name already exists"), None),
        };
        let details = serde_json::json!({
            "name": created.name, "filename": created.filename, "bytes": prompt.audio.len(),
            "duration_ms": created.duration_ms,
        });
        audit::record(&mut transaction, actor, "create", "prompt", Some(created.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(created))
    }

    pub async fn delete_prompt(&self, prompt_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("prompts", "prompt", prompt_id, actor, "a campaign or call script uses this prompt").await
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
        let (from, to) = action.transition();
        if !from.contains(&current.status.as_str()) {
            return Ok(Err(ActionRefused::FromStatus(current.status)));
        }
        if to == "running" || to == "scheduled" {
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
        let campaign = sqlx::query_as::<_, Campaign>(concat!(
            "UPDATE campaigns SET status = $2, updated_at = now(), schedule_override_at = now(), \
                 started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END, \
                 completed_at = CASE WHEN $2 = 'stopped' THEN now() ELSE completed_at END \
             WHERE id = $1 RETURNING ",
            campaign_columns!()
        ))
        .bind(campaign_id)
        .bind(to)
        .fetch_one(&mut *transaction)
        .await?;
        let details = serde_json::json!({ "from": current.status, "to": to });
        audit::record(&mut transaction, actor, action.as_str(), "campaign", Some(campaign_id), details).await?;
        transaction.commit().await?;
        Ok(Ok(campaign))
    }
}

/// The campaign, locked for the rest of the transaction.
async fn lock_campaign(connection: &mut PgConnection, campaign_id: i64) -> Result<Campaign> {
    sqlx::query_as::<_, Campaign>(concat!("SELECT ", campaign_columns!(), " FROM campaigns WHERE id = $1 FOR UPDATE"))
        .bind(campaign_id)
        .fetch_optional(connection)
        .await?
        .ok_or(crate::Error::NotFound { entity: "campaign", id: campaign_id })
}
