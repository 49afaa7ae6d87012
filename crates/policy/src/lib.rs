//! Herald's rules, as pure functions of their inputs and `now`.
//!
//! - [`RetryRules`] and [`after_attempt`]: what an outcome means for a
//!   contact's next attempt;
//! - [`CallingWindow`]: the local hours a campaign may call in, turned into
//!   real instants across daylight-saving changes and intersected over every
//!   time zone a number may be in;
//! - [`PrefixZones`]: those time zones, by number prefix, from
//!   libphonenumber's data (exported by `scripts/export-prefix-zones.py` into
//!   `data/prefix_zones.tsv` and compiled in);
//! - [`ListMatcher`]: black and white lists of numbers and prefixes;
//! - [`choose_caller_id`]: which number of a caller-ID pool a call presents;
//! - [`route`], [`fails_over`] and [`Breaker`]: which trunks of a group a
//!   call tries, in which order, and when a trunk is skipped;
//! - [`OverloadRate`]: a trunk's calls per second backing off (AIMD) when the
//!   carrier answers 503/480 in bursts;
//! - [`first_eligible_at`] and [`next_eligible_at`]: the instant a contact may
//!   be dialed, at import and after each attempt.
//!
//! Nothing here reads a clock, a database, a file or a socket: the Talker and
//! the Scheduler pass in what they know and act on what comes back. That is
//! what lets these rules be tested exhaustively and in microseconds.

mod caller_ids;
mod eligibility;
mod error;
mod hours;
mod lists;
mod retry;
mod routing;
mod schedule;
mod window;
mod zones;

pub use caller_ids::{CallerIdState, CallerIdStrategy, choose_caller_id, should_rest};
pub use eligibility::{first_eligible_at, next_eligible_at};
pub use error::{Error, Result};
pub use hours::CampaignHours;
pub use lists::{ListMatcher, lists_allow};
pub use retry::{MIN_LOST_ATTEMPT_WAIT_SECS, NextStep, RetryRule, RetryRules, after_attempt};
pub use routing::{Breaker, OverloadRate, RouteMember, RouteStrategy, fails_over, route};
pub use schedule::{CampaignSchedule, ScheduleVerdict};
pub use window::{
    COUNTRIES_WITH_DEFAULTS, CallingWindow, EVERY_DAY, MONDAY_TO_FRIDAY, MONDAY_TO_SATURDAY, OpenHours,
    SEARCH_HORIZON_DAYS, TimeOfDay, WEEKEND,
};
pub use zones::{PrefixZones, UNPLACEABLE_NUMBER_ZONES, contact_zones};
