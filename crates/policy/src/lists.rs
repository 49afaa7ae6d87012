//! Black and white lists of numbers and prefixes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use herald_types::E164;

use crate::error::{Error, Result};

/// A list of exact numbers and number prefixes, each entry optionally
/// expiring. The same matcher serves both kinds of list:
///
/// - a **blacklist** (do-not-call): a listed number is never dialed;
/// - a **whitelist**, when a campaign uses one: only listed numbers are
///   dialed. An expired whitelist entry no longer admits its numbers.
///
/// The blacklist wins when a number is on both; [`lists_allow`] says it in
/// one place.
#[derive(Debug, Clone, Default)]
pub struct ListMatcher {
    /// Digits of exact numbers (no `+`) → when the entry stops applying.
    numbers: HashMap<Box<str>, Expiry>,
    /// Prefix digits (no `+`) → when the entry stops applying.
    prefixes: HashMap<Box<str>, Expiry>,
    /// Bit `n` is set when some prefix has `n` digits: a lookup tries only
    /// those lengths.
    prefix_lengths: u16,
}

/// When an entry stops applying: listed while `now < instant`; `Never` lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Never,
    At(DateTime<Utc>),
}

impl Expiry {
    fn from_option(expires_at: Option<DateTime<Utc>>) -> Self {
        expires_at.map_or(Expiry::Never, Expiry::At)
    }

    fn applies_at(self, now: DateTime<Utc>) -> bool {
        match self {
            Expiry::Never => true,
            Expiry::At(expires_at) => now < expires_at,
        }
    }

    /// Of two entries for the same key, the one that lasts longer.
    fn longer(self, other: Expiry) -> Expiry {
        match (self, other) {
            (Expiry::At(one), Expiry::At(other)) => Expiry::At(one.max(other)),
            _ => Expiry::Never,
        }
    }
}

impl ListMatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists one number, until `expires_at` (forever when `None`). Listing a
    /// number twice keeps the longer-lasting entry.
    pub fn add_number(&mut self, number: &E164, expires_at: Option<DateTime<Utc>>) {
        add_entry(&mut self.numbers, number.digits(), Expiry::from_option(expires_at));
    }

    /// Lists every number that starts with `prefix` (digits, an optional
    /// leading `+`: `"+7495"`, `"1900"`), until `expires_at`.
    pub fn add_prefix(&mut self, prefix: &str, expires_at: Option<DateTime<Utc>>) -> Result<()> {
        let digits = prefix.strip_prefix('+').unwrap_or(prefix);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(Error::BadPrefix(prefix.to_owned()));
        }
        add_entry(&mut self.prefixes, digits, Expiry::from_option(expires_at));
        self.prefix_lengths |= 1 << digits.len();
        Ok(())
    }

    /// Whether an entry that has not expired at `now` lists `number`: the
    /// number itself, or any of its prefixes (the whole number included).
    /// One hash lookup for the number, and one per prefix length in use.
    pub fn is_listed(&self, number: &E164, now: DateTime<Utc>) -> bool {
        let digits = number.digits();
        let applies = |entries: &HashMap<Box<str>, Expiry>, key: &str| {
            entries.get(key).is_some_and(|expiry| expiry.applies_at(now))
        };
        if applies(&self.numbers, digits) {
            return true;
        }
        (1..=digits.len())
            .filter(|length| self.prefix_lengths & (1 << length) != 0)
            .any(|length| applies(&self.prefixes, &digits[..length]))
    }

    /// Entries, expired ones included.
    pub fn len(&self) -> usize {
        self.numbers.len() + self.prefixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.prefixes.is_empty()
    }
}

fn add_entry(entries: &mut HashMap<Box<str>, Expiry>, digits: &str, expiry: Expiry) {
    entries.entry(digits.into()).and_modify(|existing| *existing = existing.longer(expiry)).or_insert(expiry);
}

/// Whether a campaign's lists let it call `number` at `now`: not on the
/// blacklist, and on the whitelist if the campaign has one.
pub fn lists_allow(
    number: &E164,
    blacklist: &ListMatcher,
    whitelist: Option<&ListMatcher>,
    now: DateTime<Utc>,
) -> bool {
    if blacklist.is_listed(number, now) {
        return false;
    }
    whitelist.is_none_or(|whitelist| whitelist.is_listed(number, now))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn number(text: &str) -> E164 {
        text.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn exact_numbers_and_prefixes_match() {
        let mut list = ListMatcher::new();
        list.add_number(&number("+4930123456"), None);
        list.add_prefix("+7495", None).unwrap();
        assert!(list.is_listed(&number("+4930123456"), now()));
        assert!(!list.is_listed(&number("+4930123457"), now()));
        assert!(!list.is_listed(&number("+493012345"), now()), "an exact entry is not a prefix");
        assert!(list.is_listed(&number("+74951234567"), now()));
        assert!(!list.is_listed(&number("+74991234567"), now()));
    }

    #[test]
    fn a_prefix_as_long_as_the_number_matches_it() {
        let mut list = ListMatcher::new();
        list.add_prefix("4930123456", None).unwrap();
        assert!(list.is_listed(&number("+4930123456"), now()));
    }

    #[test]
    fn entries_expire_and_the_longer_lasting_entry_wins() {
        let mut list = ListMatcher::new();
        let soon = now() + Duration::hours(1);
        list.add_prefix("4930", Some(soon)).unwrap();
        assert!(list.is_listed(&number("+4930123456"), now()));
        assert!(!list.is_listed(&number("+4930123456"), soon), "expiry is exclusive");

        list.add_prefix("4930", Some(now() + Duration::hours(2))).unwrap();
        list.add_prefix("4930", Some(now() + Duration::minutes(1))).unwrap();
        assert!(list.is_listed(&number("+4930123456"), soon));

        list.add_number(&number("+4930999999"), None);
        list.add_number(&number("+4930999999"), Some(now()));
        assert!(list.is_listed(&number("+4930999999"), now() + Duration::days(365)));
    }

    #[test]
    fn refuses_prefixes_that_are_not_digits() {
        let mut list = ListMatcher::new();
        assert_eq!(list.add_prefix("", None), Err(Error::BadPrefix(String::new())));
        assert_eq!(list.add_prefix("+49-30", None), Err(Error::BadPrefix("+49-30".to_owned())));
        assert!(list.is_empty());
    }

    #[test]
    fn blacklist_wins_and_whitelist_restricts() {
        let mut blacklist = ListMatcher::new();
        blacklist.add_prefix("4930", None).unwrap();
        let mut whitelist = ListMatcher::new();
        whitelist.add_prefix("49", None).unwrap();
        assert!(!lists_allow(&number("+4930123456"), &blacklist, Some(&whitelist), now()));
        assert!(lists_allow(&number("+4940123456"), &blacklist, Some(&whitelist), now()));
        assert!(!lists_allow(&number("+3312345678"), &blacklist, Some(&whitelist), now()));
        assert!(lists_allow(&number("+3312345678"), &blacklist, None, now()));
    }
}
