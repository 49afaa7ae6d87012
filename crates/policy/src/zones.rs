//! Time zones of phone numbers, from libphonenumber's prefix data.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono_tz::Tz;
use herald_types::E164;

use crate::error::{Error, Result};

/// The zones of a number no prefix of the table matches: only numbers of the
/// non-geographic country codes (+800 freephone, +870 Inmarsat, +881/+882/+883
/// global services, +888, +979) and unassigned codes get here. UTC is a
/// deliberate, visible choice for them; a campaign that calls such numbers
/// should give them a window written in UTC.
pub const UNPLACEABLE_NUMBER_ZONES: &[Tz] = &[Tz::UTC];

/// The table exported by `scripts/export-prefix-zones.py`.
const EMBEDDED_TABLE: &str = include_str!("../data/prefix_zones.tsv");

static EMBEDDED: LazyLock<PrefixZones> = LazyLock::new(|| {
    // The embedded table is checked by `embedded_table_parses_and_knows_every_zone`.
    PrefixZones::parse(EMBEDDED_TABLE).expect("the embedded prefix zone table is valid")
});

/// Which time zones a number may be in, by the longest listed prefix of its
/// digits (as libphonenumber's `PhoneNumberToTimeZonesMapper` does).
///
/// Every country code that has a place on the map has its own line, so a
/// number whose area code is not listed falls back to its country's zones;
/// only numbers no line matches at all get [`UNPLACEABLE_NUMBER_ZONES`].
/// Unlike libphonenumber this does not first check that the number is valid
/// or geographic: a mobile number takes whatever its prefix says (usually the
/// country's zones, which is the careful answer).
#[derive(Debug, Clone)]
pub struct PrefixZones {
    /// Prefix digits (country code first, no `+`) → the zones of the numbers
    /// under it, never empty.
    zones_by_prefix: HashMap<Box<str>, Box<[Tz]>>,
    /// Lookups try prefixes from this length down to 1 digit.
    longest_prefix: usize,
}

impl PrefixZones {
    /// The table compiled into this crate, parsed once on first use.
    pub fn embedded() -> &'static PrefixZones {
        &EMBEDDED
    }

    /// Reads the TSV format the exporter writes: `#` comments, then
    /// `digits<TAB>zone,zone,…` per line.
    pub fn parse(table: &str) -> Result<Self> {
        let mut zones_by_prefix = HashMap::new();
        let mut longest_prefix = 0;
        for (index, line) in table.lines().enumerate() {
            let line_number = index + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let malformed = || Error::MalformedPrefixZoneLine { line: line_number };
            let (prefix, zone_names) = line.split_once('\t').ok_or_else(malformed)?;
            if prefix.is_empty() || !prefix.bytes().all(|byte| byte.is_ascii_digit()) || zone_names.is_empty() {
                return Err(malformed());
            }
            let mut zones = Vec::new();
            for name in zone_names.split(',') {
                let zone: Tz =
                    name.parse().map_err(|_| Error::UnknownZone { line: line_number, zone: name.to_owned() })?;
                zones.push(zone);
            }
            longest_prefix = longest_prefix.max(prefix.len());
            zones_by_prefix.insert(prefix.into(), zones.into_boxed_slice());
        }
        Ok(Self { zones_by_prefix, longest_prefix })
    }

    /// The zones `number` may be in: those of its longest listed prefix,
    /// else [`UNPLACEABLE_NUMBER_ZONES`]. Never empty. At most one hash
    /// lookup per digit of the longest prefix (9 today).
    pub fn zones_for(&self, number: &E164) -> &[Tz] {
        match self.longest_listed_prefix(number) {
            Some((_, zones)) => zones,
            None => UNPLACEABLE_NUMBER_ZONES,
        }
    }

    /// The longest prefix of `number` that the table lists, with its zones,
    /// for explaining a decision ("+1907…: Alaska, two zones").
    pub fn longest_listed_prefix(&self, number: &E164) -> Option<(&str, &[Tz])> {
        let digits = number.digits();
        for length in (1..=self.longest_prefix.min(digits.len())).rev() {
            if let Some((prefix, zones)) = self.zones_by_prefix.get_key_value(&digits[..length]) {
                return Some((prefix, zones));
            }
        }
        None
    }

    /// Every line of the table, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[Tz])> {
        self.zones_by_prefix.iter().map(|(prefix, zones)| (&**prefix, &**zones))
    }

    pub fn len(&self) -> usize {
        self.zones_by_prefix.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zones_by_prefix.is_empty()
    }
}

/// The zones a contact may be in: its explicit zone when the import named
/// one, else those of its number's prefix.
pub fn contact_zones(number: &E164, explicit_zone: Option<&str>) -> Result<Vec<Tz>> {
    match explicit_zone.map(str::trim).filter(|zone| !zone.is_empty()) {
        Some(zone) => zone.parse::<Tz>().map(|zone| vec![zone]).map_err(|_| Error::BadZone(zone.to_owned())),
        None => Ok(PrefixZones::embedded().zones_for(number).to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> E164 {
        text.parse().unwrap()
    }

    #[test]
    fn embedded_table_parses_and_knows_every_zone() {
        let table = PrefixZones::parse(EMBEDDED_TABLE).unwrap();
        assert!(table.len() > 3000, "{} prefixes", table.len());
        assert!(table.entries().all(|(_, zones)| !zones.is_empty()));
    }

    #[test]
    fn longest_prefix_wins_and_country_code_is_the_fallback() {
        let table = PrefixZones::embedded();
        assert_eq!(table.zones_for(&number("+4930123456")), [Tz::Europe__Berlin]);
        assert_eq!(table.zones_for(&number("+12125550100")), [Tz::America__New_York]);
        assert_eq!(table.zones_for(&number("+74951234567")), [Tz::Europe__Moscow]);
        // Alaska's area code spans two zones.
        assert_eq!(table.zones_for(&number("+19075550100")), [Tz::America__Adak, Tz::America__Anchorage]);
        assert_eq!(table.longest_listed_prefix(&number("+19075550100")).unwrap().0, "1907");
        // Unlisted NANP area code 1999: every zone of country code 1.
        let (prefix, zones) = table.longest_listed_prefix(&number("+19995550100")).unwrap();
        assert_eq!(prefix, "1");
        assert!(zones.contains(&Tz::Pacific__Honolulu) && zones.contains(&Tz::America__St_Johns));
    }

    #[test]
    fn numbers_of_non_geographic_codes_are_unplaceable() {
        let table = PrefixZones::embedded();
        assert_eq!(table.zones_for(&number("+80012345678")), UNPLACEABLE_NUMBER_ZONES);
        assert_eq!(table.longest_listed_prefix(&number("+88212345678")), None);
    }

    #[test]
    fn refuses_malformed_lines_and_unknown_zones() {
        assert_eq!(
            PrefixZones::parse("# comment\n49\tEurope/Berlin\n4930 Europe/Berlin\n").unwrap_err(),
            Error::MalformedPrefixZoneLine { line: 3 }
        );
        assert_eq!(
            PrefixZones::parse("49\tEurope/Berlin,Mars/Olympus_Mons\n").unwrap_err(),
            Error::UnknownZone { line: 1, zone: "Mars/Olympus_Mons".to_owned() }
        );
        assert_eq!(PrefixZones::parse("4a\tEurope/Berlin\n").unwrap_err(), Error::MalformedPrefixZoneLine { line: 1 });
    }
}
