//! When a campaign should run by its schedule: start and stop cron
//! expressions read in the campaign's own time zone (croner, which handles
//! daylight-saving days correctly), plus optional start and end dates.
//!
//! A manager's manual action always wins: schedule events at or before the
//! last manual action are ignored, so a paused campaign stays paused (and a
//! resumed one runs) until the schedule's next event.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct CampaignSchedule {
    start: Option<Cron>,
    stop: Option<Cron>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    zone: Tz,
}

/// What the schedule asks of a campaign now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleVerdict {
    /// The latest event was a start (cron or start date): it should run.
    Run,
    /// The latest event was a stop cron: it should pause.
    Pause,
    /// The end date has passed: it should stop for good.
    End,
}

/// How far back to look for the latest cron event.
const LOOKBACK_DAYS: i64 = 400;

impl CampaignSchedule {
    pub fn new(
        start_cron: Option<&str>,
        stop_cron: Option<&str>,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
        zone: &str,
    ) -> Result<CampaignSchedule> {
        let parse = |pattern: Option<&str>| -> Result<Option<Cron>> {
            match pattern.map(str::trim).filter(|pattern| !pattern.is_empty()) {
                Some(pattern) => pattern
                    .parse::<Cron>()
                    .map(Some)
                    .map_err(|error| Error::BadSchedule(format!("{pattern:?}: {error}"))),
                None => Ok(None),
            }
        };
        let zone = zone.parse::<Tz>().map_err(|_| Error::BadZone(zone.to_owned()))?;
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && end <= start
        {
            return Err(Error::BadSchedule("the end date must be after the start date".to_owned()));
        }
        Ok(CampaignSchedule { start: parse(start_cron)?, stop: parse(stop_cron)?, starts_at, ends_at, zone })
    }

    /// Whether this schedule ever acts (a campaign without one is run by hand only).
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.stop.is_none() && self.starts_at.is_none() && self.ends_at.is_none()
    }

    /// The verdict of the latest schedule event in `(since, now]` — `None`
    /// when nothing happened in that span (the campaign keeps its state).
    /// `since` is the manager's last manual action, if any.
    pub fn verdict(&self, since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<ScheduleVerdict> {
        let after = |at: DateTime<Utc>| since.is_none_or(|since| at > since) && at <= now;
        if let Some(end) = self.ends_at
            && end <= now
        {
            // The end wins over everything, manual actions included.
            return Some(ScheduleVerdict::End);
        }
        let floor = [since, self.starts_at].into_iter().flatten().max();
        let mut latest: Option<(DateTime<Utc>, ScheduleVerdict)> = None;
        let mut consider = |at: Option<DateTime<Utc>>, verdict: ScheduleVerdict| {
            if let Some(at) = at
                && after(at)
                && floor.is_none_or(|floor| at >= floor)
                && latest.is_none_or(|(latest_at, _)| at > latest_at)
            {
                latest = Some((at, verdict));
            }
        };
        consider(self.starts_at, ScheduleVerdict::Run);
        consider(self.previous_fire(self.start.as_ref(), now), ScheduleVerdict::Run);
        consider(self.previous_fire(self.stop.as_ref(), now), ScheduleVerdict::Pause);
        if let Some(start) = self.starts_at
            && start > now
        {
            return None;
        }
        latest.map(|(_, verdict)| verdict)
    }

    /// The latest instant ≤ `now` the cron fires, in the campaign's zone.
    fn previous_fire(&self, cron: Option<&Cron>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.zone);
        let fired = cron?.find_previous_occurrence(&local, true).ok()?.with_timezone(&Utc);
        (now - fired <= chrono::Duration::days(LOOKBACK_DAYS)).then_some(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn office_hours() -> CampaignSchedule {
        CampaignSchedule::new(Some("0 9 * * 1-5"), Some("0 18 * * 1-5"), None, None, "Europe/Berlin").unwrap()
    }

    #[test]
    fn runs_between_start_and_stop_in_the_campaigns_zone() {
        let schedule = office_hours();
        // Monday 2026-11-23: 09:00 Berlin is 08:00 UTC.
        assert_eq!(schedule.verdict(None, at("2026-11-23T07:59:00Z")), Some(ScheduleVerdict::Pause));
        assert_eq!(schedule.verdict(None, at("2026-11-23T08:00:00Z")), Some(ScheduleVerdict::Run));
        assert_eq!(schedule.verdict(None, at("2026-11-23T16:59:00Z")), Some(ScheduleVerdict::Run));
        assert_eq!(schedule.verdict(None, at("2026-11-23T17:00:00Z")), Some(ScheduleVerdict::Pause));
        // Saturday: Friday's stop is the latest event.
        assert_eq!(schedule.verdict(None, at("2026-11-28T10:00:00Z")), Some(ScheduleVerdict::Pause));
    }

    #[test]
    fn daylight_saving_days_keep_local_time() {
        let schedule = office_hours();
        // Monday 2026-03-30, the day after Berlin moved to CEST: 09:00 = 07:00 UTC.
        assert_eq!(schedule.verdict(None, at("2026-03-30T06:59:00Z")), Some(ScheduleVerdict::Pause));
        assert_eq!(schedule.verdict(None, at("2026-03-30T07:00:00Z")), Some(ScheduleVerdict::Run));
        // Monday 2026-10-26, back on CET: 09:00 = 08:00 UTC.
        assert_eq!(schedule.verdict(None, at("2026-10-26T07:30:00Z")), Some(ScheduleVerdict::Pause));
        assert_eq!(schedule.verdict(None, at("2026-10-26T08:00:00Z")), Some(ScheduleVerdict::Run));
    }

    #[test]
    fn a_manual_action_wins_until_the_next_event() {
        let schedule = office_hours();
        let paused_by_hand = at("2026-11-23T10:00:00Z");
        assert_eq!(schedule.verdict(Some(paused_by_hand), at("2026-11-23T12:00:00Z")), None);
        // The 18:00 stop comes after the manual action: it applies.
        assert_eq!(schedule.verdict(Some(paused_by_hand), at("2026-11-23T17:00:00Z")), Some(ScheduleVerdict::Pause));
        // And the next morning's start too.
        assert_eq!(schedule.verdict(Some(paused_by_hand), at("2026-11-24T08:00:00Z")), Some(ScheduleVerdict::Run));
    }

    #[test]
    fn dates_start_and_end_a_campaign() {
        let schedule = CampaignSchedule::new(
            None,
            None,
            Some(at("2026-12-01T09:00:00Z")),
            Some(at("2026-12-02T09:00:00Z")),
            "UTC",
        )
        .unwrap();
        assert_eq!(schedule.verdict(None, at("2026-11-30T00:00:00Z")), None);
        assert_eq!(schedule.verdict(None, at("2026-12-01T09:00:00Z")), Some(ScheduleVerdict::Run));
        assert_eq!(schedule.verdict(None, at("2026-12-02T09:00:00Z")), Some(ScheduleVerdict::End));
        assert_eq!(
            schedule.verdict(Some(at("2026-12-02T10:00:00Z")), at("2026-12-03T00:00:00Z")),
            Some(ScheduleVerdict::End),
            "the end date wins over a manual action"
        );
    }

    #[test]
    fn bad_input_names_the_problem() {
        assert!(CampaignSchedule::new(Some("every day"), None, None, None, "UTC").is_err());
        assert!(matches!(CampaignSchedule::new(None, None, None, None, "Mars/Base"), Err(Error::BadZone(_))));
        let backwards = CampaignSchedule::new(
            None,
            None,
            Some(at("2026-12-02T00:00:00Z")),
            Some(at("2026-12-01T00:00:00Z")),
            "UTC",
        );
        assert!(backwards.is_err());
    }
}
