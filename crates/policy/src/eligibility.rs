//! When a contact may be dialed next: its retry rule, then its calling window.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use herald_types::Outcome;

use crate::retry::{NextStep, RetryRules, after_attempt};
use crate::window::CallingWindow;

/// When a freshly imported contact first becomes eligible: now if its window
/// is open in every one of its zones, else the window's next opening. `None`
/// when the window does not open within [`crate::SEARCH_HORIZON_DAYS`] (a
/// window with no hours, or zones whose hours never overlap): such a contact
/// is never dialed, and its import should say so.
pub fn first_eligible_at(window: &CallingWindow, zones: &[Tz], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    window.next_open(zones, now)
}

/// [`after_attempt`], with the retry moved to the window's next opening when
/// the retry rule's delay lands outside the window.
///
/// `Done` also when the window does not open again within
/// [`crate::SEARCH_HORIZON_DAYS`] of the retry (only a year of blackout dates
/// can do that to a contact that was just dialed).
pub fn next_eligible_at(
    rules: &RetryRules,
    max_attempts: u32,
    window: &CallingWindow,
    zones: &[Tz],
    outcome: Outcome,
    attempts_made: u32,
    now: DateTime<Utc>,
) -> NextStep {
    match after_attempt(rules, max_attempts, outcome, attempts_made, now) {
        NextStep::Done => NextStep::Done,
        NextStep::RetryAt(retry_at) => match window.next_open(zones, retry_at) {
            Some(open_at) => NextStep::RetryAt(open_at),
            None => NextStep::Done,
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::window::{MONDAY_TO_FRIDAY, OpenHours};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn berlin_office_hours() -> CallingWindow {
        CallingWindow::closed().open_on(MONDAY_TO_FRIDAY, "09:00-18:00".parse::<OpenHours>().unwrap())
    }

    #[test]
    fn a_retry_inside_the_window_keeps_the_rule_delay() {
        // Wednesday 2026-06-03, 12:00 in Berlin (CEST, UTC+2).
        let now = at("2026-06-03T10:00:00Z");
        let next = next_eligible_at(
            &RetryRules::default(),
            3,
            &berlin_office_hours(),
            &[Tz::Europe__Berlin],
            Outcome::Busy,
            1,
            now,
        );
        assert_eq!(next, NextStep::RetryAt(now + Duration::minutes(5)));
    }

    #[test]
    fn a_retry_past_closing_moves_to_the_next_opening() {
        // Friday 2026-06-05, 17:50 in Berlin: no answer retries after 15 min,
        // 18:05, past closing; the next opening is Monday 09:00 CEST.
        let now = at("2026-06-05T15:50:00Z");
        let next = next_eligible_at(
            &RetryRules::default(),
            3,
            &berlin_office_hours(),
            &[Tz::Europe__Berlin],
            Outcome::NoAnswer,
            1,
            now,
        );
        assert_eq!(next, NextStep::RetryAt(at("2026-06-08T07:00:00Z")));
    }

    #[test]
    fn final_outcomes_and_the_attempt_cap_still_finish_the_contact() {
        let now = at("2026-06-05T15:50:00Z");
        let window = berlin_office_hours();
        let zones = [Tz::Europe__Berlin];
        let rules = RetryRules::default();
        assert_eq!(next_eligible_at(&rules, 3, &window, &zones, Outcome::Answered, 1, now), NextStep::Done);
        assert_eq!(next_eligible_at(&rules, 3, &window, &zones, Outcome::Busy, 3, now), NextStep::Done);
        assert_eq!(
            next_eligible_at(&rules, 3, &CallingWindow::closed(), &zones, Outcome::Busy, 1, now),
            NextStep::Done
        );
    }

    #[test]
    fn import_time_eligibility_waits_for_the_window() {
        // Saturday 2026-06-06 in Berlin: closed until Monday.
        let window = berlin_office_hours();
        assert_eq!(
            first_eligible_at(&window, &[Tz::Europe__Berlin], at("2026-06-06T10:00:00Z")),
            Some(at("2026-06-08T07:00:00Z"))
        );
        assert_eq!(
            first_eligible_at(&window, &[Tz::Europe__Berlin], at("2026-06-08T08:00:00Z")),
            Some(at("2026-06-08T08:00:00Z"))
        );
        assert_eq!(
            first_eligible_at(&CallingWindow::closed(), &[Tz::Europe__Berlin], at("2026-06-08T08:00:00Z")),
            None
        );
    }
}
