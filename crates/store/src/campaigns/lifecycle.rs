//! A campaign's lifecycle, defined once: its statuses and the moves between
//! them. The store's status writes, the Scheduler and the API all read the
//! table in [`CampaignAction::transition`]; the API shows each campaign's
//! [`AllowedActions`], so the browser need not keep a copy.
//!
//! ```text
//! draft ──schedule──▶ scheduled
//! draft, scheduled ──start──▶ running ──pause──▶ paused ──resume──▶ running
//! scheduled, running, paused ──stop──▶ stopped
//! running ──(nothing left to dial, the Scheduler)──▶ completed
//! draft, completed, stopped ──archive──▶ archived
//! ```
//!
//! A schedule moves a campaign with the same actions a manager has (start
//! or resume, pause, stop), and only in [`CampaignStatus::FOLLOWING_SCHEDULE`].
//! Whether a campaign has what it needs to dial (a trunk, a prompt) is
//! checked when the action is taken, not here. This module is pure: it never
//! touches the database.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    pub const ALL: [CampaignStatus; 7] = [
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Running,
        CampaignStatus::Paused,
        CampaignStatus::Completed,
        CampaignStatus::Stopped,
        CampaignStatus::Archived,
    ];

    /// The statuses in which the Scheduler follows a campaign's schedule
    /// (`Store::scheduled_campaigns` selects them; a test checks it).
    pub const FOLLOWING_SCHEDULE: [CampaignStatus; 3] =
        [CampaignStatus::Scheduled, CampaignStatus::Running, CampaignStatus::Paused];

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

    pub fn parse(name: &str) -> Option<CampaignStatus> {
        CampaignStatus::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// The campaign dials in this status: entering it the first time stamps
    /// `started_at`.
    pub fn is_dialing(self) -> bool {
        self == CampaignStatus::Running
    }

    /// The campaign has ended in this status: entering it stamps
    /// `completed_at`.
    pub fn has_ended(self) -> bool {
        matches!(self, CampaignStatus::Completed | CampaignStatus::Stopped)
    }

    /// Managers may change the campaign's settings (an archived campaign is
    /// cloned instead).
    pub fn is_editable(self) -> bool {
        self != CampaignStatus::Archived
    }

    /// The actions a manager may take on a campaign in this status.
    pub fn allowed_actions(self) -> Vec<CampaignAction> {
        CampaignAction::ALL.into_iter().filter(|action| action.target_from(self).is_some()).collect()
    }
}

/// A stored status that is not a [`CampaignStatus`] (the schema's CHECK
/// forbids it).
#[derive(Debug, thiserror::Error)]
#[error("unknown campaign status {0:?}")]
pub struct UnknownStatus(String);

impl TryFrom<String> for CampaignStatus {
    type Error = UnknownStatus;

    fn try_from(name: String) -> Result<CampaignStatus, UnknownStatus> {
        CampaignStatus::parse(&name).ok_or(UnknownStatus(name))
    }
}

/// A manager's lifecycle action on a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
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
    pub const ALL: [CampaignAction; 6] = [
        CampaignAction::Start,
        CampaignAction::Schedule,
        CampaignAction::Pause,
        CampaignAction::Resume,
        CampaignAction::Stop,
        CampaignAction::Archive,
    ];

    pub fn parse(name: &str) -> Option<CampaignAction> {
        CampaignAction::ALL.into_iter().find(|action| action.as_str() == name)
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

    /// The statuses the action applies to, and the status it leads to: the
    /// lifecycle's one table.
    pub fn transition(self) -> (&'static [CampaignStatus], CampaignStatus) {
        use CampaignStatus::{Archived, Completed, Draft, Paused, Running, Scheduled, Stopped};
        match self {
            CampaignAction::Start => (&[Draft, Scheduled], Running),
            CampaignAction::Schedule => (&[Draft], Scheduled),
            CampaignAction::Pause => (&[Running], Paused),
            CampaignAction::Resume => (&[Paused], Running),
            CampaignAction::Stop => (&[Scheduled, Running, Paused], Stopped),
            CampaignAction::Archive => (&[Draft, Completed, Stopped], Archived),
        }
    }

    /// Where the action takes a campaign in `status`; `None` when it does not
    /// apply there.
    pub fn target_from(self, status: CampaignStatus) -> Option<CampaignStatus> {
        let (from, to) = self.transition();
        from.contains(&status).then_some(to)
    }
}

// Read by sqlx from a campaign's `status` column (see `Campaign`).
/// The actions a manager may take on a campaign now, from its status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct AllowedActions(pub Vec<CampaignAction>);

impl TryFrom<String> for AllowedActions {
    type Error = UnknownStatus;

    fn try_from(status: String) -> Result<AllowedActions, UnknownStatus> {
        Ok(AllowedActions(CampaignStatus::try_from(status)?.allowed_actions()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for action in CampaignAction::ALL {
            assert_eq!(CampaignAction::parse(action.as_str()), Some(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
        assert_eq!(CampaignStatus::parse("deleted"), None);
        assert_eq!(CampaignAction::parse("clone"), None);
    }

    #[test]
    fn each_status_allows_what_the_table_says() {
        use CampaignAction::{Archive, Pause, Resume, Schedule, Start, Stop};
        let allowed = |status: CampaignStatus| status.allowed_actions();
        assert_eq!(allowed(CampaignStatus::Draft), [Start, Schedule, Archive]);
        assert_eq!(allowed(CampaignStatus::Scheduled), [Start, Stop]);
        assert_eq!(allowed(CampaignStatus::Running), [Pause, Stop]);
        assert_eq!(allowed(CampaignStatus::Paused), [Resume, Stop]);
        assert_eq!(allowed(CampaignStatus::Completed), [Archive]);
        assert_eq!(allowed(CampaignStatus::Stopped), [Archive]);
        assert_eq!(allowed(CampaignStatus::Archived), []);
    }

    #[test]
    fn a_schedule_can_always_end_what_it_follows() {
        for status in CampaignStatus::FOLLOWING_SCHEDULE {
            assert_eq!(CampaignAction::Stop.target_from(status), Some(CampaignStatus::Stopped), "{status:?}");
        }
    }

    #[test]
    fn allowed_actions_are_read_from_the_stored_status() {
        let actions = AllowedActions::try_from("paused".to_owned()).unwrap();
        assert_eq!(serde_json::to_value(&actions).unwrap(), serde_json::json!(["resume", "stop"]));
        assert!(AllowedActions::try_from("deleted".to_owned()).is_err());
    }
}
