//! "Why is nothing dialing?": what a campaign needs to dial, checked now
//! against its trunks, caller IDs, contacts and recent decisions. Read-only:
//! it never changes a row, and never asks Redis (the UI service fills in the
//! probes).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Result, Store};

/// "Why is nothing dialing?" — what a campaign needs to dial, checked now.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Preflight {
    pub campaign_id: i64,
    pub status: String,
    /// The campaign's trunk, if it has one, and whether it is enabled.
    pub trunk: Option<PreflightTrunk>,
    /// The campaign's trunk group, if it routes through one.
    pub trunk_group: Option<PreflightGroup>,
    pub has_prompt: bool,
    pub caller_id: Option<String>,
    pub caller_ids: Option<PreflightCallerIds>,
    /// Local calling hours are configured (`{}` means none).
    pub calling_window: bool,
    pub queued: i64,
    pub due_now: i64,
    /// Contacts becoming due in each of the next 24 hours (`hour` is the
    /// start of the hour, UTC).
    pub due_by_hour: Vec<DueInHour>,
    /// Why contacts were not dialed in the last hour, by reason (and why
    /// dialed ones waited: `campaign_cps_cap`, `trunk_line_cap`, …).
    pub recent_decisions: std::collections::BTreeMap<String, i64>,
    /// The most calls per second and at once the campaign can make, and
    /// whose cap sets each.
    pub limits: PreflightLimits,
    /// Things that stop the campaign from dialing right now.
    pub blockers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PreflightTrunk {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub cps_limit: f64,
    pub max_lines: i32,
    /// The Talkers' last OPTIONS probe (filled in from Redis by the UI
    /// service; `None` when nobody probed it lately or Redis is away).
    pub answers_options: Option<bool>,
    /// What the last probe saw, and which node and when.
    pub probe: Option<String>,
}

/// The campaign's ceilings: the lower of its own caps and its trunks'.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PreflightLimits {
    /// Calls per second at most (`None`: no enabled trunk and no cap).
    pub cps: Option<f64>,
    /// `campaign` or `trunks`: whose cap is the lower (the campaign's when equal).
    pub cps_set_by: Option<String>,
    pub concurrent_calls: Option<i64>,
    pub concurrent_calls_set_by: Option<String>,
}

impl PreflightLimits {
    /// The lower of the campaign's cap and its trunks' total, and whose it is.
    pub fn lower<T: PartialOrd + Copy>(campaign: Option<T>, trunks: Option<T>) -> (Option<T>, Option<String>) {
        match (campaign, trunks) {
            (Some(campaign), Some(trunks)) if trunks < campaign => (Some(trunks), Some("trunks".to_owned())),
            (Some(campaign), _) => (Some(campaign), Some("campaign".to_owned())),
            (None, Some(trunks)) => (Some(trunks), Some("trunks".to_owned())),
            (None, None) => (None, None),
        }
    }
}

/// The campaign's trunk group and its trunks.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PreflightGroup {
    pub id: i64,
    pub name: String,
    pub strategy: String,
    /// In the group's order.
    pub trunks: Vec<PreflightTrunk>,
}

/// The campaign's caller-ID pool, as it stands today.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PreflightCallerIds {
    pub pool_id: i64,
    pub name: String,
    pub numbers: i64,
    /// Enabled, not resting and under their daily cap: presentable now.
    pub available: i64,
    pub resting: i64,
    pub at_daily_cap: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct DueInHour {
    pub hour: DateTime<Utc>,
    pub contacts: i64,
}

impl Store {
    /// What the campaign needs to dial and what stands in the way, now.
    /// Every count is served by the `contacts_due` index.
    pub async fn preflight(&self, campaign_id: i64) -> Result<Preflight> {
        let campaign = self.campaign(campaign_id).await?;
        let trunks = self.trunks().await?;
        let preflight_trunk = |trunk_id: i64| {
            trunks.iter().find(|trunk| trunk.id == trunk_id).map(|trunk| PreflightTrunk {
                id: trunk.id,
                name: trunk.name.clone(),
                enabled: trunk.enabled,
                cps_limit: trunk.cps_limit,
                max_lines: trunk.max_lines,
                answers_options: None,
                probe: None,
            })
        };
        let trunk = campaign.trunk_id.and_then(preflight_trunk);
        let trunk_group = match campaign.trunk_group_id {
            Some(group_id) => {
                let detail = self.trunk_group(group_id).await?;
                Some(crate::PreflightGroup {
                    id: group_id,
                    name: detail.group.name,
                    strategy: detail.group.strategy,
                    trunks: detail.members.iter().filter_map(|member| preflight_trunk(member.trunk_id)).collect(),
                })
            }
            None => None,
        };
        let (queued, due_now): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE next_eligible_at <= now()) \
             FROM contacts WHERE campaign_id = $1 AND state = 'queued'",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        let due_by_hour = sqlx::query_as::<_, DueInHour>(
            "SELECT date_trunc('hour', next_eligible_at) AS hour, count(*) AS contacts \
             FROM contacts \
             WHERE campaign_id = $1 AND state = 'queued' \
               AND next_eligible_at > now() AND next_eligible_at <= now() + interval '24 hours' \
             GROUP BY 1 ORDER BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let decisions: Vec<(String, i64)> = sqlx::query_as(
            "SELECT reason, count(*) FROM decisions \
             WHERE campaign_id = $1 AND at > now() - interval '1 hour' GROUP BY 1 ORDER BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let calling_window = campaign.calling_window.as_object().is_some_and(|window| !window.is_empty());
        let caller_ids = match campaign.caller_id_pool_id {
            Some(pool_id) => {
                let detail = self.caller_id_pool(pool_id).await?;
                let now = chrono::Utc::now();
                let resting = |number: &crate::CallerId| number.rested_until.is_some_and(|until| until > now);
                let capped =
                    |number: &crate::CallerId| number.daily_cap.is_some_and(|cap| number.used_today >= i64::from(cap));
                Some(crate::PreflightCallerIds {
                    pool_id,
                    name: detail.pool.name.clone(),
                    numbers: detail.numbers.len() as i64,
                    available: detail.numbers.iter().filter(|n| n.enabled && !resting(n) && !capped(n)).count() as i64,
                    resting: detail.numbers.iter().filter(|n| resting(n)).count() as i64,
                    at_daily_cap: detail.numbers.iter().filter(|n| capped(n)).count() as i64,
                })
            }
            None => None,
        };

        let mut blockers = Vec::new();
        if campaign.status != "running" {
            blockers.push(format!("the campaign is {}, not running", campaign.status));
        }
        if let Some(group) = &trunk_group {
            if group.trunks.is_empty() {
                blockers.push(format!("trunk group {} has no trunks", group.name));
            } else if group.trunks.iter().all(|trunk| !trunk.enabled) {
                blockers.push(format!("every trunk of group {} is disabled", group.name));
            }
        }
        match &trunk {
            None if trunk_group.is_some() => {}
            None => blockers.push("the campaign has no trunk".to_owned()),
            Some(trunk) if !trunk.enabled => blockers.push(format!("trunk {} is disabled", trunk.name)),
            Some(_) => {}
        }
        if let Some(pool) = &caller_ids
            && pool.available == 0
        {
            blockers.push(format!(
                "caller ID pool {} has no number to present ({} numbers: {} resting, {} at their daily cap)",
                pool.name, pool.numbers, pool.resting, pool.at_daily_cap
            ));
        }
        // The trunks a call may use: the campaign's, or its group's enabled ones.
        let usable: Vec<&PreflightTrunk> = match (&trunk, &trunk_group) {
            (_, Some(group)) => group.trunks.iter().filter(|trunk| trunk.enabled).collect(),
            (Some(trunk), None) if trunk.enabled => vec![trunk],
            _ => Vec::new(),
        };
        let trunks_cps = (!usable.is_empty()).then(|| usable.iter().map(|trunk| trunk.cps_limit).sum::<f64>());
        let trunks_lines =
            (!usable.is_empty()).then(|| usable.iter().map(|trunk| i64::from(trunk.max_lines)).sum::<i64>());
        let (cps, cps_set_by) = PreflightLimits::lower(campaign.cps_cap, trunks_cps);
        let (concurrent_calls, concurrent_calls_set_by) =
            PreflightLimits::lower(campaign.concurrency_cap.map(i64::from), trunks_lines);
        let limits = PreflightLimits { cps, cps_set_by, concurrent_calls, concurrent_calls_set_by };
        if queued == 0 {
            blockers.push("no contact is waiting to be called".to_owned());
        } else if due_now == 0 {
            blockers.push("no contact is due now (calling window, retry delays or caps)".to_owned());
        }
        Ok(Preflight {
            campaign_id,
            status: campaign.status,
            trunk,
            trunk_group,
            has_prompt: campaign.prompt_id.is_some(),
            caller_id: campaign.caller_id,
            caller_ids,
            calling_window,
            queued,
            due_now,
            due_by_hour,
            recent_decisions: decisions.into_iter().collect(),
            limits,
            blockers,
        })
    }
}
