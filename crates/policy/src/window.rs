//! Calling windows: the local hours at which a contact may be called.
//!
//! A [`CallingWindow`] is written in wall-clock time ("Monday to Friday,
//! 09:00-21:00, not on 2026-12-25") and holds in every time zone a contact
//! may be in. Deciding when it is open is a matter of turning each local
//! range into an interval of real time, one zone at a time, and then
//! intersecting the zones.
//!
//! # Local time to real time
//!
//! Each range `start-end` on a local date becomes the interval of instants
//! `[opens_at, closes_at)`:
//!
//! - `opens_at` is the first instant at which the zone's wall clock reads
//!   `start`;
//! - `closes_at` is the last instant at which it reads `end`;
//! - a time the clock skips (a spring-forward gap) stands for the instant
//!   the gap ends, which is also the instant it starts: the clock jumps over
//!   it in no time.
//!
//! On ordinary days each time is read once and there is nothing to choose.
//! Across a daylight-saving change the rule gives:
//!
//! - a `start` in a gap (02:30 in Berlin on 2026-03-29, which the clocks
//!   skip) opens when the gap ends, at 03:00 CEST;
//! - an `end` in a gap closes at the same instant, where the gap starts
//!   (02:00 CET is 03:00 CEST);
//! - a `start` in a fall-back fold (01:30 in New York on 2026-11-01, which
//!   happens twice) takes the earlier of the two instants, and an `end` in a
//!   fold the later one: a range that touches the repeated hour opens at its
//!   first pass and stays open through the second, never closing and
//!   reopening within one range.
//!
//! RFC 5545 §3.3.5 (iCalendar DATE-TIME) also takes the first occurrence of a
//! repeated time, but reads a skipped time with the offset from before the gap
//! (02:30 would become 03:30). A calling window clamps to the gap instead: it
//! opens as soon as the clock has jumped past `start`, not an hour later, and
//! closes as soon as the clock has jumped past `end`.
//!
//! `end` may be 24:00, the midnight that ends the day; it follows the same
//! rule as any other time on the next local date.
//!
//! # Blackout dates and several zones
//!
//! A blackout date is a local date: in each zone, the ranges of that date are
//! dropped, whatever that date is in UTC or in other zones. A range ending at
//! 24:00 the evening before still closes at that midnight.
//!
//! A number whose prefix maps to several zones (libphonenumber's data cannot
//! always tell which part of a country a number is in) is called only while
//! the window is open in every one of them: the intersection, which is the
//! strictest reading (DESIGN.md: "ambiguous prefixes take the strictest window
//! over all candidate zones"). The intersection may be empty; then the window
//! never opens for that number.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, MappedLocalTime, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use herald_types::E164;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How far ahead [`CallingWindow::next_open`] looks before concluding that a
/// window does not open: a little over a year, so that a yearly blackout
/// calendar cannot hide an opening.
pub const SEARCH_HORIZON_DAYS: i64 = 400;

/// The zones a window is evaluated in when it is given none: UTC, the same
/// fallback [`crate::PrefixZones::zones_for`] uses for unplaceable numbers.
const NO_ZONES_FALLBACK: &[Tz] = &[Tz::UTC];

/// A local wall-clock time, to the minute, from 00:00 to 24:00 inclusive
/// (24:00 is the midnight that ends a day, for ranges that run to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    minutes_since_midnight: u16,
}

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay { minutes_since_midnight: 0 };
    pub const END_OF_DAY: TimeOfDay = TimeOfDay { minutes_since_midnight: 24 * 60 };

    /// `hour` 0..=23 with `minute` 0..=59, or 24:00.
    pub fn new(hour: u16, minute: u16) -> Result<Self> {
        if minute >= 60 || hour > 24 || (hour == 24 && minute != 0) {
            return Err(Error::BadTimeOfDay(format!("{hour:02}:{minute:02}")));
        }
        Ok(Self { minutes_since_midnight: hour * 60 + minute })
    }

    pub fn minutes_since_midnight(self) -> u16 {
        self.minutes_since_midnight
    }

    /// This time on `date`, as a naive local date-time; 24:00 is the next
    /// date's 00:00.
    fn on(self, date: NaiveDate) -> NaiveDateTime {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        midnight + Duration::minutes(i64::from(self.minutes_since_midnight))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:02}:{:02}", self.minutes_since_midnight / 60, self.minutes_since_midnight % 60)
    }
}

impl FromStr for TimeOfDay {
    type Err = Error;

    /// `H:MM` or `HH:MM`, 00:00 to 24:00.
    fn from_str(input: &str) -> Result<Self> {
        let bad = || Error::BadTimeOfDay(input.to_owned());
        let (hour, minute) = input.split_once(':').ok_or_else(bad)?;
        let all_digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
        if !all_digits(hour) || hour.len() > 2 || !all_digits(minute) || minute.len() != 2 {
            return Err(bad());
        }
        let hour = hour.parse().map_err(|_| bad())?;
        let minute = minute.parse().map_err(|_| bad())?;
        Self::new(hour, minute).map_err(|_| bad())
    }
}

/// One range of opening hours on a local date: from `start` up to, but not
/// including, `end`. Written `"09:00-21:00"` in campaign JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpenHours {
    start: TimeOfDay,
    end: TimeOfDay,
}

impl OpenHours {
    /// Refuses ranges that do not end after they start: a range never wraps
    /// past midnight (write `22:00-24:00` on one day and `00:00-02:00` on the
    /// next).
    pub fn new(start: TimeOfDay, end: TimeOfDay) -> Result<Self> {
        if start >= end {
            return Err(Error::EmptyOpenHours { start, end });
        }
        Ok(Self { start, end })
    }

    pub fn start(self) -> TimeOfDay {
        self.start
    }

    pub fn end(self) -> TimeOfDay {
        self.end
    }

    /// Whole hours, for the built-in tables; `start < end <= 24` is checked
    /// by the tests of those tables.
    fn whole_hours(start_hour: u16, end_hour: u16) -> Self {
        Self {
            start: TimeOfDay { minutes_since_midnight: start_hour * 60 },
            end: TimeOfDay { minutes_since_midnight: end_hour * 60 },
        }
    }
}

impl fmt::Display for OpenHours {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{}", self.start, self.end)
    }
}

impl FromStr for OpenHours {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let (start, end) = input.split_once('-').ok_or_else(|| Error::BadOpenHours(input.to_owned()))?;
        Self::new(start.trim().parse()?, end.trim().parse()?)
    }
}

impl TryFrom<String> for OpenHours {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        value.parse()
    }
}

impl From<OpenHours> for String {
    fn from(value: OpenHours) -> Self {
        value.to_string()
    }
}

pub const MONDAY_TO_FRIDAY: &[Weekday] = &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
pub const MONDAY_TO_SATURDAY: &[Weekday] =
    &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat];
pub const WEEKEND: &[Weekday] = &[Weekday::Sat, Weekday::Sun];
pub const EVERY_DAY: &[Weekday] =
    &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// The country calling codes with default hours of their own (see
/// [`CallingWindow::default_for_country`]); every other number gets code 0's.
pub const COUNTRIES_WITH_DEFAULTS: [u16; 3] = [1, 7, 33];

/// When a campaign may call, in each contact's local time. Stored as the
/// campaign's `calling_window` JSON:
///
/// ```json
/// {"mon": ["10:00-13:00", "14:00-20:00"], "tue": ["09:00-21:00"], "sat": [],
///  "blackout_dates": ["2026-12-25"]}
/// ```
///
/// A weekday left out is closed. Ranges of one day may be given in any order
/// and may overlap; they are kept sorted and merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CallingWindowJson", into = "CallingWindowJson")]
pub struct CallingWindow {
    /// Opening hours per local weekday, Monday first: sorted, neither
    /// overlapping nor touching.
    hours_by_weekday: [Vec<OpenHours>; 7],
    /// Local dates on which the window stays shut (holidays), read in each
    /// zone's own calendar.
    blackout_dates: BTreeSet<NaiveDate>,
}

/// One interval of real time during which a window is open in one zone:
/// `[opens_at, closes_at)`, never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opening {
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
}

impl CallingWindow {
    /// A campaign's stored window: `{}` (or null) means no restriction and
    /// gives `None`; anything else must be a valid window.
    pub fn from_campaign_json(value: &serde_json::Value) -> Result<Option<CallingWindow>> {
        let unrestricted = value.is_null() || value.as_object().is_some_and(|object| object.is_empty());
        if unrestricted {
            return Ok(None);
        }
        serde_json::from_value(value.clone()).map(Some).map_err(|error| Error::BadWindow(error.to_string()))
    }

    /// A window that never opens; add hours with [`CallingWindow::open_on`].
    pub fn closed() -> Self {
        Self { hours_by_weekday: Default::default(), blackout_dates: BTreeSet::new() }
    }

    /// Adds `hours` to each of `weekdays`.
    pub fn open_on(mut self, weekdays: &[Weekday], hours: OpenHours) -> Self {
        for weekday in weekdays {
            let day = &mut self.hours_by_weekday[weekday.num_days_from_monday() as usize];
            day.push(hours);
            *day = sorted_and_merged(std::mem::take(day));
        }
        self
    }

    /// Adds blackout (holiday) dates.
    pub fn with_blackout_dates(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.blackout_dates.extend(dates);
        self
    }

    pub fn hours_on(&self, weekday: Weekday) -> &[OpenHours] {
        &self.hours_by_weekday[weekday.num_days_from_monday() as usize]
    }

    pub fn blackout_dates(&self) -> &BTreeSet<NaiveDate> {
        &self.blackout_dates
    }

    /// The window a campaign starts from for numbers of a country calling
    /// code, before its manager edits it. Starting points that stay inside
    /// the rules we know of, not legal advice:
    ///
    /// | code | window | why |
    /// |---|---|---|
    /// | 1 (US, Canada, NANP) | Mon–Sat 09:00–20:00 | TCPA (47 CFR §64.1200(c)(1)) allows 08:00–21:00 local; some states are stricter |
    /// | 7 (Russia, Kazakhstan) | Mon–Fri 08:00–22:00, Sat–Sun 09:00–20:00 | the hours of Russian Federal Law 230-FZ art. 7 |
    /// | 33 (France) | Mon–Fri 10:00–13:00 and 14:00–20:00 | décret n° 2022-1313 on telephone canvassing |
    /// | any other | Mon–Sat 09:00–21:00 | |
    ///
    /// Public holidays differ by region and year: campaigns add them as
    /// blackout dates.
    pub fn default_for_country(country_calling_code: u16) -> Self {
        match country_calling_code {
            1 => Self::closed().open_on(MONDAY_TO_SATURDAY, OpenHours::whole_hours(9, 20)),
            7 => Self::closed()
                .open_on(MONDAY_TO_FRIDAY, OpenHours::whole_hours(8, 22))
                .open_on(WEEKEND, OpenHours::whole_hours(9, 20)),
            33 => Self::closed()
                .open_on(MONDAY_TO_FRIDAY, OpenHours::whole_hours(10, 13))
                .open_on(MONDAY_TO_FRIDAY, OpenHours::whole_hours(14, 20)),
            _ => Self::closed().open_on(MONDAY_TO_SATURDAY, OpenHours::whole_hours(9, 21)),
        }
    }

    /// [`CallingWindow::default_for_country`] for the country code `number`
    /// starts with. Country codes are prefix-free (ITU-T E.164), so the
    /// shortest one of the table's that matches is the number's.
    pub fn default_for_number(number: &E164) -> Self {
        Self::default_for_country(Self::country_code_with_defaults(number))
    }

    /// The country code of `number` if the defaults table has one of its
    /// own, else 0 (the fallback).
    pub fn country_code_with_defaults(number: &E164) -> u16 {
        let digits = number.digits();
        (1..=3.min(digits.len()))
            .filter_map(|length| digits[..length].parse::<u16>().ok())
            .find(|code| COUNTRIES_WITH_DEFAULTS.contains(code))
            .unwrap_or(0)
    }

    /// Whether the window is open at `at` in every one of `zones` (UTC when
    /// `zones` is empty).
    pub fn is_open(&self, zones: &[Tz], at: DateTime<Utc>) -> bool {
        zones_or_fallback(zones)
            .iter()
            .all(|&zone| self.opening_at_or_after(zone, at, at).is_some_and(|opening| opening.opens_at <= at))
    }

    /// The earliest instant at or after `now` at which the window is open in
    /// every one of `zones` (UTC when `zones` is empty), or `None` when there
    /// is none within [`SEARCH_HORIZON_DAYS`]. Returns `now` itself when the
    /// window is open at `now`.
    pub fn next_open(&self, zones: &[Tz], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let zones = zones_or_fallback(zones);
        let horizon = now + Duration::days(SEARCH_HORIZON_DAYS);
        let mut candidate = now;
        // Each zone's opening at or after `candidate`, kept across rounds
        // while it has not closed by the new candidate (it is then still the
        // right answer: every opening before it closed earlier still).
        let mut openings: Vec<Option<Opening>> = vec![None; zones.len()];
        // Each round asks every zone for its opening at or after `candidate`
        // and moves to the latest start among them. When no zone moves it,
        // every zone is open at `candidate`. Otherwise nothing before the new
        // candidate can be open in the zone that moved it, so none is skipped;
        // `candidate` only grows, from one opening's start to another's.
        while candidate <= horizon {
            let mut latest_start = candidate;
            for (&zone, opening) in zones.iter().zip(&mut openings) {
                let current = match *opening {
                    Some(kept) if kept.closes_at > candidate => kept,
                    _ => self.opening_at_or_after(zone, candidate, horizon)?,
                };
                *opening = Some(current);
                latest_start = latest_start.max(current.opens_at);
            }
            if latest_start == candidate {
                return Some(candidate);
            }
            candidate = latest_start;
        }
        None
    }

    /// In `zone`, the opening that contains `at`, else the first one after
    /// it, looking at local dates up to `search_until`'s.
    ///
    /// Openings come out of the dates in order: both ends of the local-to-real
    /// mapping (see the module docs) never go backwards as the local time
    /// advances, and the ranges of a day are sorted. So the first opening
    /// that has not closed by `at` either contains it or is the next to open,
    /// and a day whose last range has closed by `at` has nothing to offer.
    fn opening_at_or_after(&self, zone: Tz, at: DateTime<Utc>, search_until: DateTime<Utc>) -> Option<Opening> {
        // From the day before: a range ending at 24:00 just before a fold
        // may still run (Havana's clocks go back from 01:00 to 00:00).
        let mut date = at.with_timezone(&zone).date_naive().pred_opt()?;
        let last_date = search_until.with_timezone(&zone).date_naive().succ_opt()?;
        while date <= last_date {
            let hours = self.open_hours_on(date);
            let day_still_open = hours.last().is_some_and(|last| closing_instant(zone, last.end.on(date)) > at);
            if day_still_open {
                for range in hours {
                    let closes_at = closing_instant(zone, range.end.on(date));
                    if closes_at <= at {
                        continue;
                    }
                    let opens_at = opening_instant(zone, range.start.on(date));
                    // A range wholly inside a spring-forward gap never opens.
                    if opens_at < closes_at {
                        return Some(Opening { opens_at, closes_at });
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The opening hours of a local date: none on a blackout date.
    fn open_hours_on(&self, date: NaiveDate) -> &[OpenHours] {
        if self.blackout_dates.contains(&date) { &[] } else { self.hours_on(date.weekday()) }
    }
}

fn zones_or_fallback(zones: &[Tz]) -> &[Tz] {
    if zones.is_empty() { NO_ZONES_FALLBACK } else { zones }
}

fn sorted_and_merged(mut hours: Vec<OpenHours>) -> Vec<OpenHours> {
    hours.sort();
    let mut merged: Vec<OpenHours> = Vec::with_capacity(hours.len());
    for range in hours {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// When a range starting at `local` opens in `zone`: the first instant at
/// which the wall clock reads `local` (the earlier one in a fold), or the end
/// of the gap that skips it.
fn opening_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        MappedLocalTime::Single(at) | MappedLocalTime::Ambiguous(at, _) => at.to_utc(),
        MappedLocalTime::None => end_of_gap(zone, local),
    }
}

/// When a range ending at `local` closes in `zone`: the last instant at
/// which the wall clock reads `local` (the later one in a fold), or the end
/// of the gap that skips it.
fn closing_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        MappedLocalTime::Single(at) | MappedLocalTime::Ambiguous(_, at) => at.to_utc(),
        MappedLocalTime::None => end_of_gap(zone, local),
    }
}

/// The instant a spring-forward gap that skips `skipped` ends, which is also
/// when it starts: the wall clock jumps over the gap in no time.
///
/// Walks local time forward a minute at a time to the first time that
/// exists (gaps last an hour, sometimes 30 minutes, at most a day), then
/// narrows the last minute down to the second, since tzdb transitions fall on
/// whole seconds.
fn end_of_gap(zone: Tz, skipped: NaiveDateTime) -> DateTime<Utc> {
    let exists = |local: NaiveDateTime| !matches!(zone.from_local_datetime(&local), MappedLocalTime::None);
    let mut later = skipped;
    for _ in 0..2 * 24 * 60 {
        let in_gap = later;
        later += Duration::minutes(1);
        if !exists(later) {
            continue;
        }
        let (mut in_gap, mut exists_again) = (in_gap, later);
        while exists_again - in_gap > Duration::seconds(1) {
            let middle = in_gap + (exists_again - in_gap) / 2;
            if exists(middle) {
                exists_again = middle;
            } else {
                in_gap = middle;
            }
        }
        return opening_instant(zone, exists_again);
    }
    // No tzdb zone skips more than a day; read the time as UTC rather than fail.
    skipped.and_utc()
}

/// The campaign JSON form of a [`CallingWindow`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallingWindowJson {
    #[serde(default)]
    mon: Vec<OpenHours>,
    #[serde(default)]
    tue: Vec<OpenHours>,
    #[serde(default)]
    wed: Vec<OpenHours>,
    #[serde(default)]
    thu: Vec<OpenHours>,
    #[serde(default)]
    fri: Vec<OpenHours>,
    #[serde(default)]
    sat: Vec<OpenHours>,
    #[serde(default)]
    sun: Vec<OpenHours>,
    #[serde(default)]
    blackout_dates: BTreeSet<NaiveDate>,
}

impl From<CallingWindowJson> for CallingWindow {
    fn from(json: CallingWindowJson) -> Self {
        let CallingWindowJson { mon, tue, wed, thu, fri, sat, sun, blackout_dates } = json;
        Self { hours_by_weekday: [mon, tue, wed, thu, fri, sat, sun].map(sorted_and_merged), blackout_dates }
    }
}

impl From<CallingWindow> for CallingWindowJson {
    fn from(window: CallingWindow) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = window.hours_by_weekday;
        Self { mon, tue, wed, thu, fri, sat, sun, blackout_dates: window.blackout_dates }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn hours(text: &str) -> OpenHours {
        text.parse().unwrap()
    }

    fn every_day(ranges: &[&str]) -> CallingWindow {
        let mut window = CallingWindow::closed();
        for range in ranges {
            window = window.open_on(EVERY_DAY, hours(range));
        }
        window
    }

    /// Asserts the window is open exactly on `[opens_at, closes_at)` around
    /// those instants, and that `next_open` finds the opening.
    fn assert_opening(window: &CallingWindow, zones: &[Tz], opens_at: &str, closes_at: &str) {
        let (opens_at, closes_at) = (at(opens_at), at(closes_at));
        let second = Duration::seconds(1);
        assert!(!window.is_open(zones, opens_at - second), "open before {opens_at}");
        assert!(window.is_open(zones, opens_at), "closed at {opens_at}");
        assert!(window.is_open(zones, closes_at - second), "closed before {closes_at}");
        assert!(!window.is_open(zones, closes_at), "open at {closes_at}");
        assert_eq!(window.next_open(zones, opens_at - Duration::minutes(1)), Some(opens_at));
        assert_eq!(window.next_open(zones, opens_at + second), Some(opens_at + second));
    }

    const BERLIN: &[Tz] = &[Tz::Europe__Berlin];
    const NEW_YORK: &[Tz] = &[Tz::America__New_York];
    const LORD_HOWE: &[Tz] = &[Tz::Australia__Lord_Howe];

    // Europe/Berlin, Sunday 2026-03-29: at 01:00Z the clocks jump from 02:00
    // CET to 03:00 CEST, skipping 02:00-03:00.
    #[test]
    fn berlin_spring_forward_start_in_the_gap_opens_when_the_gap_ends() {
        assert_opening(&every_day(&["02:30-05:00"]), BERLIN, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z");
        assert_opening(&every_day(&["02:00-05:00"]), BERLIN, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z");
    }

    #[test]
    fn berlin_spring_forward_end_in_the_gap_closes_when_the_gap_starts() {
        assert_opening(&every_day(&["01:00-02:30"]), BERLIN, "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z");
    }

    #[test]
    fn berlin_spring_forward_range_inside_the_gap_never_opens_that_day() {
        let window = every_day(&["02:10-02:50"]);
        // Saturday's opening (CET), then straight to Monday's (CEST).
        assert_opening(&window, BERLIN, "2026-03-28T01:10:00Z", "2026-03-28T01:50:00Z");
        assert_eq!(window.next_open(BERLIN, at("2026-03-28T02:00:00Z")), Some(at("2026-03-30T00:10:00Z")));
    }

    // Europe/Berlin, Sunday 2026-10-25: at 01:00Z the clocks go back from
    // 03:00 CEST to 02:00 CET; 02:00-03:00 happens at 00:00-01:00Z and again
    // at 01:00-02:00Z.
    #[test]
    fn berlin_fall_back_start_takes_the_first_pass_and_end_the_second() {
        assert_opening(&every_day(&["02:30-05:00"]), BERLIN, "2026-10-25T00:30:00Z", "2026-10-25T04:00:00Z");
        assert_opening(&every_day(&["01:00-02:30"]), BERLIN, "2026-10-24T23:00:00Z", "2026-10-25T01:30:00Z");
        // A range inside the repeated hour covers both passes.
        assert_opening(&every_day(&["02:15-02:45"]), BERLIN, "2026-10-25T00:15:00Z", "2026-10-25T01:45:00Z");
    }

    // America/New_York, Sunday 2026-03-08: at 07:00Z 02:00 EST becomes 03:00 EDT.
    #[test]
    fn new_york_spring_forward() {
        assert_opening(&every_day(&["02:15-09:00"]), NEW_YORK, "2026-03-08T07:00:00Z", "2026-03-08T13:00:00Z");
        assert_opening(&every_day(&["01:30-02:30"]), NEW_YORK, "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z");
        let inside_the_gap = every_day(&["02:00-02:30"]);
        assert_eq!(inside_the_gap.next_open(NEW_YORK, at("2026-03-08T05:00:00Z")), Some(at("2026-03-09T06:00:00Z")));
    }

    // America/New_York, Sunday 2026-11-01: at 06:00Z 02:00 EDT becomes 01:00
    // EST; 01:00-02:00 happens at 05:00-06:00Z and again at 06:00-07:00Z.
    #[test]
    fn new_york_fall_back() {
        assert_opening(&every_day(&["01:30-09:00"]), NEW_YORK, "2026-11-01T05:30:00Z", "2026-11-01T14:00:00Z");
        assert_opening(&every_day(&["00:00-01:30"]), NEW_YORK, "2026-11-01T04:00:00Z", "2026-11-01T06:30:00Z");
        // A window open all day is open through the 25-hour day, once.
        let all_day = every_day(&["00:00-24:00"]);
        assert!(all_day.is_open(NEW_YORK, at("2026-11-01T06:30:00Z")));
        assert_eq!(all_day.next_open(NEW_YORK, at("2026-11-01T06:30:00Z")), Some(at("2026-11-01T06:30:00Z")));
    }

    // Australia/Lord_Howe moves its clocks by 30 minutes. Sunday 2026-04-05:
    // at 15:00Z (April 4) 02:00 LHDT (+11) becomes 01:30 LHST (+10:30).
    // Sunday 2026-10-04: at 15:30Z (October 3) 02:00 LHST becomes 02:30 LHDT.
    #[test]
    fn lord_howe_half_hour_shifts() {
        assert_opening(&every_day(&["01:45-06:00"]), LORD_HOWE, "2026-04-04T14:45:00Z", "2026-04-04T19:30:00Z");
        assert_opening(&every_day(&["00:00-01:45"]), LORD_HOWE, "2026-04-04T13:00:00Z", "2026-04-04T15:15:00Z");
        assert_opening(&every_day(&["02:10-06:00"]), LORD_HOWE, "2026-10-03T15:30:00Z", "2026-10-03T19:00:00Z");
        assert_opening(&every_day(&["01:00-02:10"]), LORD_HOWE, "2026-10-03T14:30:00Z", "2026-10-03T15:30:00Z");
    }

    // America/Havana changes at midnight. Sunday 2026-03-08: at 05:00Z
    // 00:00 CST becomes 01:00 CDT, so that Sunday has no midnight. Sunday
    // 2026-11-01: at 05:00Z 01:00 CDT becomes 00:00 CST, so its first hour
    // happens twice, and Saturday's range to 24:00 runs through both passes.
    #[test]
    fn havana_changes_at_midnight() {
        const HAVANA: &[Tz] = &[Tz::America__Havana];
        let saturday_night = CallingWindow::closed().open_on(&[Weekday::Sat], hours("22:00-24:00"));
        assert_opening(&saturday_night, HAVANA, "2026-03-08T03:00:00Z", "2026-03-08T05:00:00Z");
        assert_opening(&saturday_night, HAVANA, "2026-11-01T02:00:00Z", "2026-11-01T05:00:00Z");
        // 04:30Z is Sunday 00:30 CDT, the first pass: still Saturday's range.
        assert!(saturday_night.is_open(HAVANA, at("2026-11-01T04:30:00Z")));
        let sunday_small_hours = CallingWindow::closed().open_on(&[Weekday::Sun], hours("00:00-03:00"));
        assert_opening(&sunday_small_hours, HAVANA, "2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z");
        assert_opening(&sunday_small_hours, HAVANA, "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z");
    }

    #[test]
    fn a_range_to_midnight_joins_the_next_day_from_midnight() {
        let window = CallingWindow::closed()
            .open_on(&[Weekday::Mon], hours("22:00-24:00"))
            .open_on(&[Weekday::Tue], hours("00:00-02:00"));
        // Monday 2026-06-01 22:00 CEST to Tuesday 02:00 CEST, without a break.
        assert_opening(&window, BERLIN, "2026-06-01T20:00:00Z", "2026-06-02T00:00:00Z");
        assert!(window.is_open(BERLIN, at("2026-06-01T22:00:00Z")));
        assert_eq!(window.next_open(BERLIN, at("2026-06-02T00:00:00Z")), Some(at("2026-06-08T20:00:00Z")));
    }

    // +1907 (Alaska) maps to America/Adak (UTC-9 in summer) and
    // America/Anchorage (UTC-8): 09:00-21:00 in both is 09:00 Adak to 21:00
    // Anchorage.
    #[test]
    fn several_zones_take_the_intersection() {
        let alaska = crate::PrefixZones::embedded().zones_for(&"+19075550100".parse().unwrap());
        assert_eq!(alaska, [Tz::America__Adak, Tz::America__Anchorage]);
        let window = every_day(&["09:00-21:00"]);
        assert_opening(&window, alaska, "2026-06-03T18:00:00Z", "2026-06-04T05:00:00Z");
        assert_eq!(window.next_open(alaska, at("2026-06-03T12:00:00Z")), Some(at("2026-06-03T18:00:00Z")));
        assert!(window.is_open(&[Tz::America__Anchorage], at("2026-06-03T17:30:00Z")));
        assert!(!window.is_open(alaska, at("2026-06-03T17:30:00Z")));
    }

    // +7 without a listed area code spans Europe/Bucharest (UTC+2 in winter)
    // to Asia/Anadyr (UTC+12): 09:00-21:00 everywhere leaves 07:00-09:00Z.
    #[test]
    fn a_wide_country_leaves_a_narrow_intersection() {
        let (prefix, russia) =
            crate::PrefixZones::embedded().longest_listed_prefix(&"+70001234567".parse().unwrap()).unwrap();
        assert_eq!((prefix, russia.len()), ("7", 16));
        let window = every_day(&["09:00-21:00"]);
        assert_opening(&window, russia, "2026-01-14T07:00:00Z", "2026-01-14T09:00:00Z");
        // In summer Bucharest is UTC+3, so the intersection opens an hour earlier.
        assert_opening(&window, russia, "2026-07-14T06:00:00Z", "2026-07-14T09:00:00Z");
    }

    // Country code 1 without a listed area code: every NANP zone, from
    // Pacific/Guam (UTC+10) to Pacific/Pago_Pago (UTC-11). Clocks 21 hours
    // apart still overlap, a date apart: 09:00-21:00 everywhere is open from
    // 09:00 in Guam to 21:00 in St John's (UTC-2:30 in summer).
    #[test]
    fn the_widest_country_overlaps_for_half_an_hour_or_not_at_all() {
        let nanp = crate::PrefixZones::embedded().zones_for(&"+19995550100".parse().unwrap());
        assert!(nanp.len() > 40);
        assert_opening(&every_day(&["09:00-21:00"]), nanp, "2026-06-03T23:00:00Z", "2026-06-03T23:30:00Z");
        let mornings = every_day(&["09:00-12:00"]);
        assert_eq!(mornings.next_open(nanp, at("2026-06-03T12:00:00Z")), None);
        assert!(!mornings.is_open(nanp, at("2026-06-03T12:00:00Z")));
    }

    #[test]
    fn blackout_dates_are_local_dates_in_each_zone() {
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        let window = every_day(&["00:00-24:00"]).with_blackout_dates([christmas]);
        let tokyo = &[Tz::Asia__Tokyo];
        // Tokyo (UTC+9) shuts for its own 25 December, 2026-12-24T15:00Z to 2026-12-25T15:00Z.
        assert!(window.is_open(tokyo, at("2026-12-24T14:59:59Z")));
        assert!(!window.is_open(tokyo, at("2026-12-24T15:00:00Z")));
        assert_eq!(window.next_open(tokyo, at("2026-12-24T15:00:00Z")), Some(at("2026-12-25T15:00:00Z")));
        // New York is still on 24 December then.
        assert!(window.is_open(NEW_YORK, at("2026-12-24T20:00:00Z")));
        // Together they stay shut from Tokyo's Christmas to the end of New
        // York's (2026-12-26T05:00Z).
        let both = &[Tz::Asia__Tokyo, Tz::America__New_York];
        assert!(!window.is_open(both, at("2026-12-24T15:00:00Z")));
        assert!(!window.is_open(both, at("2026-12-26T04:59:59Z")));
        assert_eq!(window.next_open(both, at("2026-12-24T15:00:00Z")), Some(at("2026-12-26T05:00:00Z")));
    }

    #[test]
    fn a_holiday_moves_the_opening_past_it() {
        let window = CallingWindow::closed()
            .open_on(MONDAY_TO_FRIDAY, hours("09:00-18:00"))
            .with_blackout_dates([NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()]);
        // Friday 25 December is a holiday: Monday 28 December 09:00 CET.
        assert_eq!(window.next_open(BERLIN, at("2026-12-24T17:30:00Z")), Some(at("2026-12-28T08:00:00Z")));
    }

    #[test]
    fn a_closed_window_and_no_zones() {
        assert_eq!(CallingWindow::closed().next_open(BERLIN, at("2026-06-03T12:00:00Z")), None);
        let window = every_day(&["09:00-10:00"]);
        assert_eq!(window.next_open(&[], at("2026-06-03T12:00:00Z")), Some(at("2026-06-04T09:00:00Z")));
    }

    #[test]
    fn country_defaults() {
        let number = |text: &str| -> E164 { text.parse().unwrap() };
        let france = CallingWindow::default_for_number(&number("+33612345678"));
        assert_eq!(france.hours_on(Weekday::Mon), [hours("10:00-13:00"), hours("14:00-20:00")]);
        assert!(france.hours_on(Weekday::Sat).is_empty());
        let russia = CallingWindow::default_for_number(&number("+74951234567"));
        assert_eq!(russia.hours_on(Weekday::Sun), [hours("09:00-20:00")]);
        assert_eq!(russia.hours_on(Weekday::Fri), [hours("08:00-22:00")]);
        let us = CallingWindow::default_for_number(&number("+12125550100"));
        assert_eq!(us.hours_on(Weekday::Sat), [hours("09:00-20:00")]);
        assert!(us.hours_on(Weekday::Sun).is_empty());
        let germany = CallingWindow::default_for_number(&number("+4930123456"));
        assert_eq!(germany, CallingWindow::default_for_country(49));
        assert_eq!(germany.hours_on(Weekday::Sat), [hours("09:00-21:00")]);
        assert!(germany.hours_on(Weekday::Sun).is_empty());
        // +3 is no country code and +351 (Portugal) has no table entry.
        assert_eq!(CallingWindow::default_for_number(&number("+351912345678")), CallingWindow::default_for_country(0));
    }

    #[test]
    fn campaign_json_round_trips_and_merges_overlaps() {
        let json = r#"{"mon": ["14:00-20:00", "10:00-13:00", "12:00-13:30"], "sat": ["09:00-24:00"],
                       "blackout_dates": ["2026-12-25"]}"#;
        let window: CallingWindow = serde_json::from_str(json).unwrap();
        assert_eq!(window.hours_on(Weekday::Mon), [hours("10:00-13:30"), hours("14:00-20:00")]);
        assert_eq!(window.hours_on(Weekday::Sat), [hours("09:00-24:00")]);
        assert!(window.hours_on(Weekday::Sun).is_empty());
        assert!(window.blackout_dates().contains(&NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()));
        let written = serde_json::to_string(&window).unwrap();
        assert!(written.contains(r#""mon":["10:00-13:30","14:00-20:00"]"#), "{written}");
        assert_eq!(serde_json::from_str::<CallingWindow>(&written).unwrap(), window);
    }

    #[test]
    fn campaign_json_refuses_what_it_cannot_mean() {
        for bad in [
            r#"{"mon": ["21:00-09:00"]}"#,
            r#"{"mon": ["09:00-09:00"]}"#,
            r#"{"mon": ["09:00-24:30"]}"#,
            r#"{"mon": ["9-17"]}"#,
            r#"{"mon": ["09:60-17:00"]}"#,
            r#"{"monday": ["09:00-17:00"]}"#,
            r#"{"blackout_dates": ["25.12.2026"]}"#,
        ] {
            assert!(serde_json::from_str::<CallingWindow>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            "21:00-09:00".parse::<OpenHours>(),
            Err(Error::EmptyOpenHours { start: TimeOfDay::new(21, 0).unwrap(), end: TimeOfDay::new(9, 0).unwrap() })
        );
        assert_eq!("24:01".parse::<TimeOfDay>(), Err(Error::BadTimeOfDay("24:01".to_owned())));
        assert_eq!("9:05".parse::<TimeOfDay>().unwrap().to_string(), "09:05");
    }
}
