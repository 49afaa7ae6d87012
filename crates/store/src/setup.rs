//! Trunks, prompts and campaigns: what a manager sets up before dialing.

use crate::models::campaign_columns;
use crate::{
    Campaign, CampaignStatus, NewCampaign, NewPrompt, NewTrunk, PromptAudio, Result, ScheduledCampaign, Store, Trunk,
};

impl Store {
    pub async fn create_trunk(&self, trunk: &NewTrunk) -> Result<Trunk> {
        let created = sqlx::query_as::<_, Trunk>(
            "INSERT INTO trunks (name, host, port, transport, auth_username, auth_password, auth_password_env, \
                                 cps_limit, max_lines) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id, name, host, port, transport, auth_username, auth_password, auth_password_env, \
                       from_domain, cps_limit, max_lines, enabled",
        )
        .bind(&trunk.name)
        .bind(&trunk.host)
        .bind(trunk.port)
        .bind(&trunk.transport)
        .bind(&trunk.auth_username)
        .bind(&trunk.auth_password)
        .bind(&trunk.auth_password_env)
        .bind(trunk.cps_limit)
        .bind(trunk.max_lines)
        .fetch_one(&self.pool)
        .await?;
        Ok(created)
    }

    pub async fn trunks(&self) -> Result<Vec<Trunk>> {
        Ok(sqlx::query_as::<_, Trunk>(
            "SELECT id, name, host, port, transport, auth_username, auth_password, auth_password_env, \
                    from_domain, cps_limit, max_lines, enabled \
             FROM trunks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn create_prompt(&self, prompt: &NewPrompt) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO prompts (name, filename, content_type, audio, duration_ms, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&prompt.name)
        .bind(&prompt.filename)
        .bind(&prompt.content_type)
        .bind(&prompt.audio)
        .bind(prompt.duration_ms)
        .bind(&prompt.sha256)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn prompt_audio(&self, prompt_id: i64) -> Result<PromptAudio> {
        sqlx::query_as::<_, PromptAudio>("SELECT id, name, filename, sha256, audio FROM prompts WHERE id = $1")
            .bind(prompt_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

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

    /// Moves a campaign to `status`, stamping when it started or ended, and
    /// records who did it in the audit log. An actor that is not
    /// `system:…` is a person: their action overrides the schedule until its
    /// next event.
    pub async fn set_campaign_status(&self, campaign_id: i64, status: CampaignStatus, actor: &str) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE campaigns SET status = $2, updated_at = now(), \
                 started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END, \
                 completed_at = CASE WHEN $2 IN ('completed', 'stopped') THEN now() ELSE completed_at END, \
                 schedule_override_at = CASE WHEN $3 LIKE 'system:%' THEN schedule_override_at ELSE now() END \
             WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(status.as_str())
        .bind(actor)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
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
        Ok(sqlx::query_as::<_, ScheduledCampaign>(
            "SELECT id, status, schedule_start_cron, schedule_stop_cron, starts_at, ends_at, timezone, \
                    schedule_override_at \
             FROM campaigns \
             WHERE status IN ('scheduled', 'running', 'paused') \
               AND (schedule_start_cron IS NOT NULL OR schedule_stop_cron IS NOT NULL \
                    OR starts_at IS NOT NULL OR ends_at IS NOT NULL)",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Moves a campaign from `from` to `to` if it is still in `from` (a
    /// manager may have acted meanwhile), audited as the scheduler.
    pub async fn apply_schedule(&self, campaign_id: i64, from: &str, to: CampaignStatus, node: &str) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE campaigns SET status = $3, updated_at = now(), \
                 started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, now()) ELSE started_at END, \
                 completed_at = CASE WHEN $3 IN ('completed', 'stopped') THEN now() ELSE completed_at END \
             WHERE id = $1 AND status = $2",
        )
        .bind(campaign_id)
        .bind(from)
        .bind(to.as_str())
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO audit_log (actor, action, entity, entity_id, details) \
             VALUES ($1, 'schedule', 'campaign', $2, jsonb_build_object('from', $3::text, 'to', $4::text))",
        )
        .bind(format!("system:scheduler:{node}"))
        .bind(campaign_id)
        .bind(from)
        .bind(to.as_str())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(true)
    }
}
