//! Herald's rules, as pure functions of their inputs and `now`.
//!
//! Nothing here reads a clock, a database or a socket: the Talker and the
//! Scheduler pass in what they know and act on what comes back. That is what
//! lets these rules be tested exhaustively and in microseconds.

mod retry;

pub use retry::{NextStep, RetryRule, RetryRules, after_attempt};
