//! A scheduler loop on a simulated clock, over eleven days that take Europe
//! into summer time (2026-03-29) and Australia, New Zealand and Chile out of
//! it (2026-04-05): 100,000 contacts with numbers across the prefix table,
//! four campaigns with different windows, a blacklist of numbers and
//! prefixes (some expiring) and a whitelist.
//!
//! The loop does what the Scheduler and the Talker do with these rules: it
//! computes each contact's eligible instant, advances the clock a minute at a
//! time, dials every contact due, re-checks the lists at dial time, and
//! reschedules by the retry rule. At every dial it checks, independently of
//! the code under test, that the number is on no live blacklist entry (and on
//! the whitelist where the campaign has one) and that the window is open in
//! each of the number's zones.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use herald_policy::{
    CallingWindow, EVERY_DAY, ListMatcher, MONDAY_TO_FRIDAY, NextStep, OpenHours, PrefixZones, RetryRules,
    first_eligible_at, lists_allow, next_eligible_at,
};
use herald_types::{E164, Outcome};
use support::wall_clock_says_open;

mod support;

const CONTACTS: usize = 100_000;
const MAX_ATTEMPTS: u32 = 4;

/// SplitMix64: a small, seeded, reproducible generator.
struct Random(u64);

impl Random {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    fn one_in(&mut self, odds: usize) -> bool {
        self.below(odds) == 0
    }
}

/// What the scheduler loop does when a contact comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Dial,
    RecheckLists,
}

struct Campaign {
    window: CallingWindow,
    whitelist: Option<ListMatcher>,
}

struct Contact {
    number: E164,
    zones: &'static [Tz],
    campaign: usize,
}

/// One list entry as the test wrote it down.
struct Entry {
    digits: String,
    is_prefix: bool,
    expires_at: Option<DateTime<Utc>>,
}

/// Whether a list holds a contact, worked out by sorting and binary search
/// rather than by `ListMatcher`'s per-prefix hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    No,
    Until(DateTime<Utc>),
    Forever,
}

impl Listing {
    fn with(self, expires_at: Option<DateTime<Utc>>) -> Listing {
        match (self, expires_at) {
            (Listing::Forever, _) | (_, None) => Listing::Forever,
            (Listing::Until(one), Some(other)) => Listing::Until(one.max(other)),
            (Listing::No, Some(other)) => Listing::Until(other),
        }
    }

    fn holds_at(self, at: DateTime<Utc>) -> bool {
        match self {
            Listing::No => false,
            Listing::Until(expires_at) => at < expires_at,
            Listing::Forever => true,
        }
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn hours(text: &str) -> OpenHours {
    text.parse().unwrap()
}

/// A number under a random prefix of the table, 10 to 15 digits long.
fn random_number(random: &mut Random, prefixes: &[&str]) -> E164 {
    let prefix = prefixes[random.below(prefixes.len())];
    let length = (prefix.len() + 3).max(10 + random.below(3)).min(15);
    let mut digits = String::with_capacity(length + 1);
    digits.push('+');
    digits.push_str(prefix);
    while digits.len() <= length {
        digits.push(char::from(b'0' + random.below(10) as u8));
    }
    digits.parse().unwrap()
}

/// Entries drawn from `numbers` (digits), so that they hit: exact numbers,
/// and prefixes cut from numbers at `prefix_lengths`. A third expire.
fn random_entries(
    random: &mut Random,
    numbers: &[&str],
    exact_numbers: usize,
    prefixes: usize,
    prefix_lengths: (usize, usize),
    expiring_between: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Entry> {
    let mut entries = Vec::new();
    let span_minutes = (expiring_between.1 - expiring_between.0).num_minutes() as usize;
    for index in 0..exact_numbers + prefixes {
        let number = numbers[random.below(numbers.len())];
        let is_prefix = index >= exact_numbers;
        let digits = if is_prefix {
            let length = prefix_lengths.0 + random.below(prefix_lengths.1 - prefix_lengths.0 + 1);
            &number[..length.min(number.len())]
        } else {
            number
        };
        let expires_at =
            random.one_in(3).then(|| expiring_between.0 + Duration::minutes(random.below(span_minutes) as i64));
        entries.push(Entry { digits: digits.to_owned(), is_prefix, expires_at });
    }
    entries
}

fn list_matcher(entries: &[Entry]) -> ListMatcher {
    let mut list = ListMatcher::new();
    for entry in entries {
        if entry.is_prefix {
            list.add_prefix(&entry.digits, entry.expires_at).unwrap();
        } else {
            list.add_number(&entry.digits.parse().unwrap(), entry.expires_at);
        }
    }
    list
}

/// The contacts' numbers in order, to find who an entry lists by binary
/// search rather than by `ListMatcher`'s per-prefix hashing.
struct NumbersInOrder<'contacts> {
    /// (digits, contact index), sorted by digits.
    numbers: Vec<(&'contacts str, usize)>,
}

impl<'contacts> NumbersInOrder<'contacts> {
    fn new(contacts: &'contacts [Contact]) -> Self {
        let mut numbers: Vec<(&str, usize)> =
            contacts.iter().enumerate().map(|(index, contact)| (contact.number.digits(), index)).collect();
        numbers.sort_unstable();
        Self { numbers }
    }

    /// Each contact's listing: an exact entry lists an equal range of the
    /// sorted numbers, a prefix entry the range that starts with it.
    fn listings(&self, entries: &[Entry]) -> Vec<Listing> {
        let mut listings = vec![Listing::No; self.numbers.len()];
        for entry in entries {
            let key = entry.digits.as_str();
            let first = self.numbers.partition_point(|(digits, _)| *digits < key);
            let past = self
                .numbers
                .partition_point(|(digits, _)| *digits <= key || (entry.is_prefix && digits.starts_with(key)));
            for &(_, index) in &self.numbers[first..past] {
                listings[index] = listings[index].with(entry.expires_at);
            }
        }
        listings
    }
}

/// Contacts due at each minute of the run: the scheduler's queue, on a
/// clock that only ever reads whole minutes.
struct DueByMinute {
    start: DateTime<Utc>,
    minutes: Vec<Vec<(usize, Task)>>,
}

impl DueByMinute {
    fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, minutes: vec![Vec::new(); (end - start).num_minutes() as usize] }
    }

    /// Queues `task` for the contact at `at`, unless that is past the run.
    fn push(&mut self, at: DateTime<Utc>, contact: usize, task: Task) {
        let offset = at - self.start;
        assert!(offset >= Duration::zero(), "queued in the past: {at}");
        assert_eq!(offset.num_seconds() % 60, 0, "due between two ticks: {at}");
        if let Some(minute) = self.minutes.get_mut(offset.num_minutes() as usize) {
            minute.push((contact, task));
        }
    }

    fn take(&mut self, clock: DateTime<Utc>) -> Vec<(usize, Task)> {
        std::mem::take(&mut self.minutes[(clock - self.start).num_minutes() as usize])
    }
}

fn random_outcome(random: &mut Random) -> Outcome {
    match random.below(10) {
        0..=4 => Outcome::Answered,
        5 | 6 => Outcome::Busy,
        7 | 8 => Outcome::NoAnswer,
        _ => Outcome::Failed,
    }
}

#[test]
fn no_listed_number_and_no_closed_window_is_ever_dialed() {
    let start = at("2026-03-26T00:00:00Z");
    let end = at("2026-04-06T00:00:00Z");
    let list_recheck = Duration::days(1);
    let mut random = Random(0x4E52_4144_2026);

    let table = PrefixZones::embedded();
    let mut prefixes: Vec<&str> = table.entries().map(|(prefix, _)| prefix).collect();
    prefixes.sort_unstable();

    const WHITELIST_CAMPAIGN: usize = 3;
    let mut campaigns = [
        // Evenings every day, but not on the day Europe changes its clocks.
        Campaign {
            window: CallingWindow::closed()
                .open_on(EVERY_DAY, hours("17:00-21:00"))
                .with_blackout_dates([NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()]),
            whitelist: None,
        },
        // French canvassing hours: two ranges a weekday.
        Campaign { window: CallingWindow::default_for_country(33), whitelist: None },
        // Small hours, which daylight-saving changes skip or repeat.
        Campaign {
            window: CallingWindow::closed()
                .open_on(EVERY_DAY, hours("00:30-02:30"))
                .open_on(MONDAY_TO_FRIDAY, hours("08:00-12:00")),
            whitelist: None,
        },
        // The default window, for whitelisted numbers only.
        Campaign { window: CallingWindow::default_for_country(0), whitelist: None },
    ];

    let contacts: Vec<Contact> = (0..CONTACTS)
        .map(|_| {
            let number = random_number(&mut random, &prefixes);
            let zones = table.zones_for(&number);
            Contact { number, zones, campaign: random.below(campaigns.len()) }
        })
        .collect();

    let all_numbers: Vec<&str> = contacts.iter().map(|contact| contact.number.digits()).collect();
    let whitelist_campaign_numbers: Vec<&str> = contacts
        .iter()
        .filter(|contact| contact.campaign == WHITELIST_CAMPAIGN)
        .map(|contact| contact.number.digits())
        .collect();
    let blacklist_entries = random_entries(&mut random, &all_numbers, 1_500, 40, (5, 9), (start, end));
    let whitelist_entries = random_entries(&mut random, &whitelist_campaign_numbers, 40_000, 300, (4, 7), (start, end));
    let blacklist = list_matcher(&blacklist_entries);
    campaigns[WHITELIST_CAMPAIGN].whitelist = Some(list_matcher(&whitelist_entries));
    let numbers_in_order = NumbersInOrder::new(&contacts);
    let blacklisted = numbers_in_order.listings(&blacklist_entries);
    let whitelisted = numbers_in_order.listings(&whitelist_entries);

    // Import: each contact's first eligible instant. A number the lists
    // hold back is looked at again a day later.
    let mut due = DueByMinute::new(start, end);
    let mut first_eligible = vec![None; contacts.len()];
    for (index, contact) in contacts.iter().enumerate() {
        let campaign = &campaigns[contact.campaign];
        first_eligible[index] = first_eligible_at(&campaign.window, contact.zones, start);
        if !lists_allow(&contact.number, &blacklist, campaign.whitelist.as_ref(), start) {
            due.push(start + list_recheck, index, Task::RecheckLists);
        } else if let Some(eligible_at) = first_eligible[index] {
            due.push(eligible_at, index, Task::Dial);
        }
    }

    let rules = RetryRules::default();
    let mut dials = vec![0u32; contacts.len()];
    let mut held_back_by_lists = 0usize;
    let mut checked_against_wall_clock = 0usize;
    let mut clock = start;
    while clock < end {
        for (index, task) in due.take(clock) {
            let contact = &contacts[index];
            let campaign = &campaigns[contact.campaign];

            // The Talker re-checks the lists at dial time, too.
            if !lists_allow(&contact.number, &blacklist, campaign.whitelist.as_ref(), clock) {
                held_back_by_lists += 1;
                due.push(clock + list_recheck, index, Task::RecheckLists);
                continue;
            }
            if task == Task::RecheckLists {
                if let Some(eligible_at) = campaign.window.next_open(contact.zones, clock) {
                    due.push(eligible_at, index, Task::Dial);
                }
                continue;
            }

            // The dial. Check it against the lists as written down...
            assert!(!blacklisted[index].holds_at(clock), "dialed blacklisted {} at {clock}", contact.number);
            if contact.campaign == WHITELIST_CAMPAIGN {
                assert!(whitelisted[index].holds_at(clock), "dialed {} off the whitelist at {clock}", contact.number);
            }
            // ...and against the window, zone by zone, and the wall clock.
            for &zone in contact.zones {
                assert!(
                    campaign.window.is_open(&[zone], clock),
                    "dialed {} (campaign {}) at {clock}, closed in {zone}",
                    contact.number,
                    contact.campaign
                );
                if let Some(open) = wall_clock_says_open(&campaign.window, zone, clock) {
                    checked_against_wall_clock += 1;
                    assert!(open, "dialed {} at {clock}, {} in {zone}", contact.number, clock.with_timezone(&zone));
                }
            }
            dials[index] += 1;

            let outcome = random_outcome(&mut random);
            let next =
                next_eligible_at(&rules, MAX_ATTEMPTS, &campaign.window, contact.zones, outcome, dials[index], clock);
            if let NextStep::RetryAt(retry_at) = next {
                let delay = rules.rule_for(outcome).unwrap().delay_secs as i64;
                assert!(retry_at >= clock + Duration::seconds(delay));
                due.push(retry_at, index, Task::Dial);
            }
        }
        clock += Duration::minutes(1);
    }

    // Every contact the lists never held back, and whose window opened
    // during the run, was dialed.
    let mut expected_dialed = 0;
    for (index, contact) in contacts.iter().enumerate() {
        let held_back = blacklisted[index] != Listing::No
            || (contact.campaign == WHITELIST_CAMPAIGN && whitelisted[index] != Listing::Forever);
        let opens_during_the_run = first_eligible[index].is_some_and(|first| first < end);
        if held_back || !opens_during_the_run {
            continue;
        }
        expected_dialed += 1;
        assert!(dials[index] > 0, "{} (campaign {}) was never dialed", contact.number, contact.campaign);
    }

    let total_dials: u32 = dials.iter().sum();
    let never_open = first_eligible.iter().filter(|first| first.is_none()).count();
    eprintln!(
        "{total_dials} dials, {expected_dialed} contacts sure to be dialed were, {held_back_by_lists} held back \
         by lists, {never_open} contacts whose window never opens, {checked_against_wall_clock} dials checked \
         on the wall clock"
    );
    assert!(expected_dialed > CONTACTS / 2, "too few contacts were sure to be dialed: {expected_dialed}");
    assert!(held_back_by_lists > 1_000);
}
