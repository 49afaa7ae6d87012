//! Vocabulary shared by every Herald crate: phone numbers in E.164, call
//! outcomes and the SIP facts that decide them.
//!
//! This crate does no IO and holds no policy: it only names things so that the
//! Talker, the store and the UI agree on what a "busy" or a `+4930…` is.

mod e164;
mod outcome;

pub use e164::{E164, E164Error};
pub use outcome::{Outcome, OutcomeParseError};
