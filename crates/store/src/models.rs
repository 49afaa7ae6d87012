use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A carrier SIP trunk as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, schemars::JsonSchema)]
pub struct Trunk {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    #[serde(skip_serializing)]
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub from_domain: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
    pub enabled: bool,
}

impl Trunk {
    /// The digest password: from the named environment variable when set
    /// (secrets stay out of the database), else the stored one.
    pub fn password(&self) -> Option<String> {
        if let Some(variable) = &self.auth_password_env {
            return std::env::var(variable).ok();
        }
        self.auth_password.clone()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewTrunk {
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
}

impl NewTrunk {
    pub fn udp(name: &str, host: &str, port: u16) -> NewTrunk {
        NewTrunk {
            name: name.to_owned(),
            host: host.to_owned(),
            port: i32::from(port),
            transport: "udp".to_owned(),
            auth_username: None,
            auth_password: None,
            auth_password_env: None,
            cps_limit: 50.0,
            max_lines: 500,
        }
    }
}

/// A prompt's audio, as uploaded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PromptAudio {
    pub id: i64,
    pub name: String,
    pub filename: String,
    pub sha256: Vec<u8>,
    pub audio: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewPrompt {
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub audio: Vec<u8>,
    pub duration_ms: i32,
    pub sha256: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Running,
    Paused,
    Completed,
    Stopped,
    Archived,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Stopped => "stopped",
            CampaignStatus::Archived => "archived",
        }
    }
}

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
pub(crate) use campaign_columns;

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

/// One contact to import: an E.164 number and its tags.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub phone: herald_types::E164,
    pub tags: serde_json::Value,
    pub timezone: Option<String>,
    pub import_line: Option<i32>,
    /// When the contact may first be dialed (its calling window's next
    /// opening); now when unset.
    pub next_eligible_at: Option<DateTime<Utc>>,
}

/// Where a campaign stands.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct CampaignSummary {
    pub campaign_id: i64,
    pub status: String,
    pub contacts: i64,
    pub queued: i64,
    pub leased: i64,
    pub done: i64,
    /// Finished contacts by their final outcome.
    pub outcomes: std::collections::BTreeMap<String, i64>,
    pub attempts: i64,
    pub first_invite_at: Option<DateTime<Utc>>,
    pub last_ended_at: Option<DateTime<Utc>>,
}

/// What the black and white lists say about one number in one campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ListVerdict {
    /// On a global or campaign blacklist (number or prefix, not expired).
    pub blacklisted: bool,
    /// On one of the campaign's (or a global) whitelists.
    pub whitelisted: bool,
}

/// One entry to put on a list.
#[derive(Debug, Clone)]
pub struct NewListEntry {
    /// An E.164 number (`+4930123456`) or, with `is_prefix`, its beginning (`+4930`).
    pub pattern: String,
    pub is_prefix: bool,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
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
