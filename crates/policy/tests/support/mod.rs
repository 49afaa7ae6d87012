//! Helpers shared by herald-policy's integration tests.

use chrono::{DateTime, Datelike, MappedLocalTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use herald_policy::CallingWindow;

/// The window read straight off the wall clock in `zone`, for an instant
/// whose local time is unambiguous there; `None` in a fall-back fold, where
/// the window's own rules decide (see the `window` module docs). An
/// independent check of `CallingWindow::is_open`, which works the other way
/// round (local ranges to real intervals).
pub(crate) fn wall_clock_says_open(window: &CallingWindow, zone: Tz, at: DateTime<Utc>) -> Option<bool> {
    let local = at.with_timezone(&zone).naive_local();
    if !matches!(zone.from_local_datetime(&local), MappedLocalTime::Single(_)) {
        return None;
    }
    if window.blackout_dates().contains(&local.date()) {
        return Some(false);
    }
    let second_of_day = local.num_seconds_from_midnight();
    Some(window.hours_on(local.date().weekday()).iter().any(|hours| {
        u32::from(hours.start().minutes_since_midnight()) * 60 <= second_of_day
            && second_of_day < u32::from(hours.end().minutes_since_midnight()) * 60
    }))
}
