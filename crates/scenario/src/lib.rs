//! Call scripts: what a campaign plays to each answered person.
//!
//! A script is a list of steps — recorded prompts, text-to-speech with the
//! contact's own details, pauses, keypress menus, opt-out and hang-up — plus
//! what to do when an answering machine picks up. This crate holds the
//! model managers write ([`Script`]), its checks ([`check`]), the `{{tag}}`
//! templates ([`render`]) and a pure interpreter ([`Program`], [`Run`]) that
//! the Talker drives with call events. No IO: every rule is tested here in
//! microseconds.

mod check;
mod model;
mod run;
mod template;

pub use check::{FieldError, MAX_DEPTH, MAX_PAUSE_MS, MAX_STEPS, MAX_TEXT, check, parse};
pub use model::{OnMachine, Script, Step};
pub use run::{Audio, Effect, Event, Program, Run, RunSummary, Waits};
pub use template::{placeholders, render};
