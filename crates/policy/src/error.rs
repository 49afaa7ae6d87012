use crate::window::TimeOfDay;

/// Why a rule's input was refused. Every variant names the offending value,
/// so a campaign manager can find it in what they wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{0:?} is not a time of day: write HH:MM, from 00:00 to 24:00")]
    BadTimeOfDay(String),
    #[error("{0:?} is not a range of opening hours: write HH:MM-HH:MM")]
    BadOpenHours(String),
    #[error("opening hours must end after they start, {start}-{end} does not")]
    EmptyOpenHours { start: TimeOfDay, end: TimeOfDay },
    #[error("{0:?} is not a number prefix: write 1 to 15 digits, optionally after a '+'")]
    BadPrefix(String),
    #[error("line {line} of the prefix zone table is not `digits<TAB>zone,zone,…`")]
    MalformedPrefixZoneLine { line: usize },
    #[error("line {line} of the prefix zone table names {zone:?}, a time zone chrono-tz does not know")]
    UnknownZone { line: usize, zone: String },
    #[error("{0:?} is not an IANA time zone (e.g. Europe/Berlin)")]
    BadZone(String),
    #[error("the calling window is invalid: {0}")]
    BadWindow(String),
    #[error("the schedule is invalid: {0}")]
    BadSchedule(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
