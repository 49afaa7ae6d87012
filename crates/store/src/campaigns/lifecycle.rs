//! A campaign's lifecycle: its statuses and the actions that move it.

use serde::{Deserialize, Serialize};

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
