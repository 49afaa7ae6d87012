//! Properties of `CallingWindow::next_open` and `is_open` over random zones
//! from the prefix table, random windows and random instants in 2026-2027,
//! with instants, opening hours and blackout dates crowded around the
//! zones' own daylight-saving changes.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use herald_policy::{CallingWindow, EVERY_DAY, OpenHours, PrefixZones, SEARCH_HORIZON_DAYS, TimeOfDay};
use proptest::prelude::*;
use proptest::sample::select;
use support::wall_clock_says_open;

mod support;

/// Zone lists of the prefix table, sorted so that a seed replays the same case.
static TABLE_ZONE_LISTS: LazyLock<Vec<Vec<Tz>>> = LazyLock::new(|| {
    let mut entries: Vec<(&str, &[Tz])> = PrefixZones::embedded().entries().collect();
    entries.sort_by_key(|(prefix, _)| *prefix);
    entries.into_iter().map(|(_, zones)| zones.to_vec()).collect()
});

/// Zones whose clocks move in unusual ways: by 30 minutes, at midnight, by
/// negative DST (Casablanca in Ramadan), with odd offsets.
const AWKWARD_ZONES: &[Tz] = &[
    Tz::Australia__Lord_Howe,
    Tz::America__Santiago,
    Tz::America__Havana,
    Tz::Asia__Beirut,
    Tz::Pacific__Chatham,
    Tz::Africa__Casablanca,
    Tz::America__St_Johns,
    Tz::Asia__Kathmandu,
    Tz::Europe__Berlin,
    Tz::America__New_York,
];

fn zones() -> impl Strategy<Value = Vec<Tz>> {
    prop_oneof![
        3 => (0..TABLE_ZONE_LISTS.len()).prop_map(|index| TABLE_ZONE_LISTS[index].clone()),
        1 => select(AWKWARD_ZONES).prop_map(|zone| vec![zone]),
    ]
}

/// A change of a zone's UTC offset: the instant, and the wall-clock times
/// of day (minutes) just before and just after it.
#[derive(Debug, Clone, Copy)]
struct OffsetChange {
    at: DateTime<Utc>,
    wall_clock_before: u16,
    wall_clock_after: u16,
}

fn offset_seconds(zone: Tz, at: DateTime<Utc>) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()
}

fn minute_of_day(zone_time: DateTime<Tz>) -> u16 {
    (zone_time.hour() * 60 + zone_time.minute()) as u16
}

/// Every offset change of `zone` in 2026-2027: a daily scan, then bisection
/// to the second (no zone changes twice within a day).
fn offset_changes_2026_2027(zone: Tz) -> Vec<OffsetChange> {
    let mut changes = Vec::new();
    let mut day = "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let end = "2028-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    while day < end {
        let next_day = day + Duration::days(1);
        if offset_seconds(zone, day) != offset_seconds(zone, next_day) {
            let (mut before, mut after) = (day, next_day);
            while after - before > Duration::seconds(1) {
                let middle = before + Duration::seconds((after - before).num_seconds() / 2);
                if offset_seconds(zone, middle) == offset_seconds(zone, day) {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            changes.push(OffsetChange {
                at: after,
                wall_clock_before: minute_of_day(after.with_timezone(&zone) - Duration::seconds(1)) + 1,
                wall_clock_after: minute_of_day(after.with_timezone(&zone)),
            });
        }
        day = next_day;
    }
    changes
}

fn instant(changes: &[OffsetChange]) -> BoxedStrategy<DateTime<Utc>> {
    let start_2026 = "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let anywhere = (0i64..2 * 365 * 24 * 60).prop_map(move |minutes| start_2026 + Duration::minutes(minutes));
    let minute = if changes.is_empty() {
        anywhere.boxed()
    } else {
        // From a day and a half before a change to half a day after it.
        let near_a_change = (select(changes.to_vec()), -36 * 60..12 * 60i64)
            .prop_map(|(change, minutes)| change.at + Duration::minutes(minutes));
        prop_oneof![1 => anywhere, 3 => near_a_change].boxed()
    };
    // Mostly whole minutes, as a scheduler's clock would be; sometimes not.
    (minute, prop_oneof![3 => Just(0i64), 1 => 1..60i64])
        .prop_map(|(at, seconds)| at + Duration::seconds(seconds))
        .boxed()
}

/// Times of day (minutes), crowded around the wall-clock times at which
/// `changes` happen.
fn time_of_day(changes: &[OffsetChange]) -> BoxedStrategy<u16> {
    let grid = (0u16..=24 * 12).prop_map(|five_minutes| five_minutes * 5);
    let mut near_changes = Vec::new();
    for change in changes {
        for wall_clock in [change.wall_clock_before, change.wall_clock_after] {
            for delta in [-30i32, -15, -10, 0, 10, 15, 20, 30] {
                near_changes.push((i32::from(wall_clock) + delta).clamp(0, 1440) as u16);
            }
        }
    }
    let fixed = select(&[0u16, 60, 90, 120, 150, 180, 1380, 1410, 1440][..]);
    if near_changes.is_empty() {
        prop_oneof![2 => grid, 1 => fixed].boxed()
    } else {
        prop_oneof![2 => grid, 1 => fixed, 3 => select(near_changes)].boxed()
    }
}

fn open_hours(changes: &[OffsetChange]) -> impl Strategy<Value = OpenHours> + use<> {
    (time_of_day(changes), time_of_day(changes)).prop_filter_map("a range needs two different times", |(one, other)| {
        let to_time = |minutes: u16| TimeOfDay::new(minutes / 60, minutes % 60).unwrap();
        OpenHours::new(to_time(one.min(other)), to_time(one.max(other))).ok()
    })
}

fn blackout_date(changes: &[OffsetChange]) -> BoxedStrategy<NaiveDate> {
    let start_2026 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let anywhere = (0u64..2 * 365).prop_map(move |days| start_2026 + chrono::Days::new(days));
    if changes.is_empty() {
        return anywhere.boxed();
    }
    let near_a_change = (select(changes.to_vec()), -1i64..=1)
        .prop_map(|(change, days)| (change.at + Duration::days(days)).date_naive());
    prop_oneof![anywhere, near_a_change].boxed()
}

fn calling_window(changes: &[OffsetChange]) -> impl Strategy<Value = CallingWindow> + use<> {
    let day = prop::collection::vec(open_hours(changes), 0..=2);
    (prop::array::uniform7(day), prop::collection::vec(blackout_date(changes), 0..=3)).prop_map(|(days, blackouts)| {
        let mut window = CallingWindow::closed();
        for (weekday, ranges) in EVERY_DAY.iter().zip(days) {
            for range in ranges {
                window = window.open_on(&[*weekday], range);
            }
        }
        window.with_blackout_dates(blackouts)
    })
}

/// Zones, then a window and an instant crowded around the offset changes of
/// one of them, so that gaps and folds are met often.
fn case() -> impl Strategy<Value = (CallingWindow, Vec<Tz>, DateTime<Utc>)> {
    (zones(), any::<prop::sample::Index>()).prop_flat_map(|(zones, pick)| {
        let changes = offset_changes_2026_2027(zones[pick.index(zones.len())]);
        (calling_window(&changes), Just(zones), instant(&changes))
    })
}

fn next_whole_minute(at: DateTime<Utc>) -> DateTime<Utc> {
    let floor = at.with_second(0).unwrap().with_nanosecond(0).unwrap();
    if floor == at { at } else { floor + Duration::minutes(1) }
}

/// Minute by minute over the first day and a half after `from`, every 97
/// minutes after that (a sample that drifts across the hours of the day).
fn closed_instants_to_check(from: DateTime<Utc>, until: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> {
    let dense_until = until.min(from + Duration::hours(36));
    let first = next_whole_minute(from);
    let dense = std::iter::successors(Some(first), |at| Some(*at + Duration::minutes(1)))
        .take_while(move |at| *at < dense_until);
    let sparse = std::iter::successors(Some(dense_until), |at| Some(*at + Duration::minutes(97)))
        .take_while(move |at| *at < until);
    std::iter::once(from).chain(dense).chain(sparse).filter(move |at| *at < until)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn next_open_is_the_first_open_instant((window, zones, now) in case()) {
        let next = window.next_open(&zones, now);
        let open_now = window.is_open(&zones, now);
        // (d) Open now means open from now.
        if open_now {
            prop_assert_eq!(next, Some(now));
        }
        match next {
            Some(open_at) => {
                // (a) Never in the past, never beyond the horizon.
                prop_assert!(open_at >= now);
                prop_assert!(open_at <= now + Duration::days(SEARCH_HORIZON_DAYS));
                // (b) Open there, in every zone.
                for &zone in &zones {
                    prop_assert!(window.is_open(&[zone], open_at), "closed in {} at {}", zone, open_at);
                }
                // (c) Closed before: every whole minute for a day and a half,
                // then a sample.
                for at in closed_instants_to_check(now, open_at) {
                    prop_assert!(!window.is_open(&zones, at), "open at {} before {}", at, open_at);
                }
            }
            None => {
                for at in closed_instants_to_check(now, now + Duration::days(60)) {
                    prop_assert!(!window.is_open(&zones, at), "open at {} but next_open found nothing", at);
                }
            }
        }
    }

    /// Away from folds, `is_open` is what the wall clock says, zone by zone.
    #[test]
    fn is_open_agrees_with_the_wall_clock((window, zones, now) in case()) {
        let opening = window.next_open(&zones, now);
        let mut instants = vec![now, now + Duration::minutes(30), now + Duration::hours(7)];
        if let Some(open_at) = opening {
            instants.extend([open_at - Duration::minutes(1), open_at, open_at + Duration::minutes(1)]);
        }
        for at in instants {
            let mut open_everywhere = true;
            for &zone in &zones {
                let open_here = window.is_open(&[zone], at);
                open_everywhere &= open_here;
                if let Some(expected) = wall_clock_says_open(&window, zone, at) {
                    prop_assert_eq!(open_here, expected, "{} at {} ({})", zone, at, at.with_timezone(&zone));
                }
            }
            prop_assert_eq!(window.is_open(&zones, at), open_everywhere);
        }
    }
}
